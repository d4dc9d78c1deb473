package org.timetuner4j.docs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.testing.ForkedJvm;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's Java snippets compile and run, so they cannot rot. Each runs in its own JVM whose
 * working directory is a temporary folder: what a snippet writes lands there, never in the project.
 */
class ReadmeSnippetTest {
    @TempDir Path work;

    /** The code block after {@code <!-- snippet: NAME -->}, wrapped into a class with a main method. */
    private static String program(String name) throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int marker = readme.indexOf("<!-- snippet: " + name + " -->");
        assertTrue(marker >= 0, "README lost its snippet marker '" + name + "'");
        int start = readme.indexOf("```java\n", marker) + "```java\n".length();
        String code = readme.substring(start, readme.indexOf("```", start));
        StringBuilder imports = new StringBuilder(), body = new StringBuilder();
        for (String line : code.split("\n")) (line.startsWith("import ") ? imports : body).append(line).append('\n');
        return imports + "public class ReadmeSnippet {\n public static void main(String[] args) throws Exception {\n"
                + body + " }\n}\n";
    }

    /** Compiles and runs the snippet with the JVM options the README's Library section names; returns its output. */
    private ForkedJvm.Result compileAndRun(String name) throws Exception {
        Path classes = Files.createDirectories(work.resolve("classes"));
        Path file = classes.resolve("ReadmeSnippet.java");
        Files.writeString(file, program(name));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diag = new ByteArrayOutputStream();
        int rc = javac.run(null, diag, diag, "--add-modules", "jdk.incubator.vector", "-classpath",
                System.getProperty("java.class.path"), "-d", classes.toString(), file.toString());
        assertEquals(0, rc, "README snippet '" + name + "' does not compile:\n" + diag);
        ForkedJvm.Result r = ForkedJvm.run(work, List.of("--add-modules", "jdk.incubator.vector"),
                classes + File.pathSeparator + System.getProperty("java.class.path"), "ReadmeSnippet");
        assertEquals(0, r.exitCode(), "README snippet '" + name + "' failed:\n" + r.stderr());
        return r;
    }

    @Test void librarySnippetWritesItsGridInTheWorkingDirectoryOnly() throws Exception {
        boolean projectHadOne = Files.exists(Path.of("samples.png"));
        long before = projectHadOne ? Files.getLastModifiedTime(Path.of("samples.png")).toMillis() : 0;
        compileAndRun("library");
        assertTrue(Files.size(work.resolve("samples.png")) > 0);
        if (projectHadOne) assertEquals(before, Files.getLastModifiedTime(Path.of("samples.png")).toMillis());
        else assertFalse(Files.exists(Path.of("samples.png")));
    }

    @Test void engineSnippetComputesGradientsOfAModelFile() throws Exception {
        Files.copy(Path.of("src/test/resources/fixtures/unet-attn.safetensors"), work.resolve("model.safetensors"));
        ForkedJvm.Result r = compileAndRun("engine");
        String line = r.stdout().strip();
        assertTrue(line.startsWith("dloss/dt = [") && line.endsWith("]"), r.stdout());
        String[] grads = line.substring("dloss/dt = [".length(), line.length() - 1).split(", ");
        assertEquals(4, grads.length, line);
        for (String g : grads) assertTrue(Double.isFinite(Double.parseDouble(g)) && Double.parseDouble(g) != 0, line);
    }
}
