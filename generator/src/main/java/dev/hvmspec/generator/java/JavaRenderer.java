package dev.hvmspec.generator.java;

import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.velocity.Template;
import org.apache.velocity.VelocityContext;
import org.apache.velocity.app.VelocityEngine;
import org.apache.velocity.runtime.RuntimeConstants;
import org.apache.velocity.runtime.resource.loader.ClasspathResourceLoader;

/** Prints the output model with the Velocity templates in {@code templates/}: one template per kind of file. */
public final class JavaRenderer {
    private final VelocityEngine engine;

    public JavaRenderer() {
        Properties p = new Properties();
        p.setProperty(RuntimeConstants.RESOURCE_LOADERS, "classpath");
        p.setProperty("resource.loader.classpath.class", ClasspathResourceLoader.class.getName());
        p.setProperty(RuntimeConstants.RUNTIME_REFERENCES_STRICT, "true");
        p.setProperty(RuntimeConstants.SPACE_GOBBLING, "lines");
        p.setProperty(RuntimeConstants.INPUT_ENCODING, "UTF-8");
        engine = new VelocityEngine(p);
        engine.init();
    }

    /** The files of one domain: path relative to the source root to content. */
    public Map<String, String> render(JavaDomain d) {
        Map<String, String> out = new LinkedHashMap<>();
        String dir = d.packageName().replace('.', '/') + "/";
        for (JavaEnum e : d.enums()) out.put(dir + e.className() + ".java", render("enum", d, e));
        for (JavaLayout l : d.layouts()) out.put(dir + l.className() + ".java", render("layout", d, l));
        for (JavaRecord r : d.records()) out.put(dir + r.className() + ".java", render("record", d, r));
        out.put(dir + d.input().className() + ".java", render("record", d, d.input()));
        out.put(dir + d.outcome().className() + ".java", render("outcome", d, d.outcome()));
        out.put(dir + d.spec().className() + ".java", render("spec", d, d.spec()));
        out.put(dir + d.codec().className() + ".java", render("codec", d, d.codec()));
        out.put(dir + d.model().className() + ".java", render("model", d, d.model()));
        return out;
    }

    /** The registry class {@code dev.hvmspec.model.Models}. */
    public Map<String, String> render(JavaRegistry r) {
        return Map.of(r.packageName().replace('.', '/') + "/Models.java", render("models", r.header(), r.packageName(), r));
    }

    private String render(String template, JavaDomain d, Object unit) {
        return render(template, d.header(), d.packageName(), unit);
    }

    private String render(String template, String header, String packageName, Object unit) {
        Template t = engine.getTemplate("templates/" + template + ".vm", "UTF-8");
        VelocityContext context = new VelocityContext();
        context.put("header", header);
        context.put("packageName", packageName);
        context.put("unit", unit);
        StringWriter w = new StringWriter();
        t.merge(context, w);
        String text = w.toString();
        return text.endsWith("\n") ? text : text + "\n";
    }
}
