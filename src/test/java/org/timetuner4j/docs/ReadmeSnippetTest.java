package org.timetuner4j.docs;

import org.junit.jupiter.api.Test;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's library snippet compiles and runs, so it cannot rot. */
class ReadmeSnippetTest {
    @Test void librarySnippetCompilesAndRuns() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int marker = readme.indexOf("<!-- snippet: library -->");
        assertTrue(marker >= 0, "README lost its library snippet marker");
        int start = readme.indexOf("```java\n", marker) + "```java\n".length();
        String code = readme.substring(start, readme.indexOf("```", start));
        StringBuilder imports = new StringBuilder(), body = new StringBuilder();
        for (String line : code.split("\n")) (line.startsWith("import ") ? imports : body).append(line).append('\n');
        String source = imports + "public class ReadmeSnippet {\n public static void main(String[] args) throws Exception {\n"
                + body + " }\n}\n";
        Path dir = Files.createTempDirectory("snippet");
        Path file = dir.resolve("ReadmeSnippet.java");
        Files.writeString(file, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diag = new ByteArrayOutputStream();
        int rc = javac.run(null, diag, diag, "--add-modules", "jdk.incubator.vector", "-classpath",
                System.getProperty("java.class.path"), "-d", dir.toString(), file.toString());
        assertEquals(0, rc, "README snippet does not compile:\n" + diag);
        Path png = Path.of("samples.png");
        boolean existed = Files.exists(png);
        try (URLClassLoader cl = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            cl.loadClass("ReadmeSnippet").getMethod("main", String[].class).invoke(null, (Object) new String[0]);
        }
        assertTrue(Files.size(png) > 0);
        if (!existed) Files.delete(png);
    }
}
