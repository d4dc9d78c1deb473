package org.timetuner4j;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The import direction of the design: cli → tuner, train, metrics → diffusion → io → nn → autograd →
 * backend → tensor, with data beside io. Each package (its sub-packages included) may use only the
 * packages below it; the root package (UserError) is usable by all.
 */
class LayeringTest {
    private static final String BASE = "org.timetuner4j";
    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages(BASE);
    }

    private static String pkg(String name) { return BASE + "." + name + ".."; }

    @Test
    void packagesImportOnlyDownwards() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("cli").definedBy(pkg("cli"))
                .layer("tuner").definedBy(pkg("tuner"))
                .layer("train").definedBy(pkg("train"))
                .layer("metrics").definedBy(pkg("metrics"))
                .layer("diffusion").definedBy(pkg("diffusion"))
                .layer("data").definedBy(pkg("data"))
                .layer("io").definedBy(pkg("io"))
                .layer("nn").definedBy(pkg("nn"))
                .layer("autograd").definedBy(pkg("autograd"))
                .layer("backend").definedBy(pkg("backend"))
                .layer("tensor").definedBy(pkg("tensor"))
                .whereLayer("tuner").mayOnlyAccessLayers("diffusion", "data", "io", "nn", "autograd", "backend", "tensor")
                .whereLayer("train").mayOnlyAccessLayers("diffusion", "data", "io", "nn", "autograd", "backend", "tensor")
                .whereLayer("metrics").mayOnlyAccessLayers("diffusion", "data", "io", "nn", "autograd", "backend", "tensor")
                .whereLayer("diffusion").mayOnlyAccessLayers("data", "io", "nn", "autograd", "backend", "tensor")
                .whereLayer("data").mayOnlyAccessLayers("io", "nn", "autograd", "backend", "tensor")
                .whereLayer("io").mayOnlyAccessLayers("nn", "autograd", "backend", "tensor")
                .whereLayer("nn").mayOnlyAccessLayers("autograd", "backend", "tensor")
                .whereLayer("autograd").mayOnlyAccessLayers("backend", "tensor")
                .whereLayer("backend").mayOnlyAccessLayers("tensor")
                .whereLayer("tensor").mayNotAccessAnyLayer()
                // A tensor names the backend that owns its storage (and frees it there): the one
                // deliberate upward reference, limited to the Backend interface itself.
                .ignoreDependency(JavaClass.Predicates.resideInAPackage(BASE + ".tensor"),
                        JavaClass.Predicates.equivalentTo(org.timetuner4j.backend.Backend.class))
                .check(main);
    }

    @Test
    void diffusionPackagesHaveNoCycles() {
        slices().assignedFrom(new SliceAssignment() {
            @Override public SliceIdentifier getIdentifierOf(JavaClass c) {
                String p = c.getPackageName();
                return p.startsWith(BASE + ".diffusion") ? SliceIdentifier.of(p) : SliceIdentifier.ignore();
            }

            @Override public String getDescription() { return "the diffusion packages"; }
        }).should().beFreeOfCycles().check(main);
    }
}
