package dev.hvmspec.conformance.check;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * Writes a check run as JUnit XML for CI dashboards: one {@code testsuite} per domain, one {@code testcase} per
 * vector named by its id, with {@code failure}, {@code error} or {@code skipped} children.
 */
public final class JUnitXmlWriter {

    private JUnitXmlWriter() {}

    public static void write(CheckResult result, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            write(result, out);
        }
    }

    public static void write(CheckResult result, OutputStream out) throws IOException {
        Map<String, List<Verdict>> byDomain = result.verdicts().stream()
                .collect(Collectors.groupingBy(v -> v.vector().domain(), LinkedHashMap::new, Collectors.toList()));
        try {
            XMLStreamWriter w = XMLOutputFactory.newFactory().createXMLStreamWriter(out, "UTF-8");
            w.writeStartDocument("UTF-8", "1.0");
            w.writeCharacters("\n");
            w.writeStartElement("testsuites");
            w.writeAttribute("name", "hvmspec");
            DomainTally total = result.total();
            w.writeAttribute("tests", Integer.toString(total.total()));
            w.writeAttribute("failures", Integer.toString(total.failed()));
            w.writeAttribute("errors", Integer.toString(total.errors()));
            w.writeAttribute("skipped", Integer.toString(total.skipped()));
            w.writeAttribute("time", seconds(result));
            w.writeCharacters("\n");
            for (Map.Entry<String, List<Verdict>> suite : byDomain.entrySet()) {
                DomainTally t = result.domains().get(suite.getKey());
                w.writeStartElement("testsuite");
                w.writeAttribute("name", suite.getKey());
                w.writeAttribute("tests", Integer.toString(t.total()));
                w.writeAttribute("failures", Integer.toString(t.failed()));
                w.writeAttribute("errors", Integer.toString(t.errors()));
                w.writeAttribute("skipped", Integer.toString(t.skipped()));
                w.writeCharacters("\n");
                for (Verdict v : suite.getValue()) {
                    writeCase(w, v);
                }
                w.writeEndElement();
                w.writeCharacters("\n");
            }
            w.writeEndElement();
            w.writeCharacters("\n");
            w.writeEndDocument();
            w.close();
        } catch (XMLStreamException e) {
            throw new IOException("cannot write JUnit XML: " + e.getMessage(), e);
        }
    }

    private static void writeCase(XMLStreamWriter w, Verdict v) throws XMLStreamException {
        w.writeCharacters("  ");
        boolean empty = v.status() == Verdict.Status.PASS;
        if (empty) {
            w.writeEmptyElement("testcase");
        } else {
            w.writeStartElement("testcase");
        }
        w.writeAttribute("classname", "hvmspec." + v.vector().domain());
        w.writeAttribute("name", clean(v.vector().id()));
        w.writeAttribute("file", clean(v.vector().file().toString()));
        w.writeAttribute("line", Integer.toString(v.vector().line()));
        if (empty) {
            w.writeCharacters("\n");
            return;
        }
        switch (v.status()) {
            case FAIL -> {
                w.writeStartElement("failure");
                w.writeAttribute("message", clean(v.detail()));
                w.writeCharacters(clean(describe(v)));
                w.writeEndElement();
            }
            case ERROR -> {
                w.writeStartElement("error");
                w.writeAttribute("message", clean(v.detail()));
                w.writeCharacters(clean(describe(v)));
                w.writeEndElement();
            }
            default -> {
                w.writeEmptyElement("skipped");
                w.writeAttribute("message", clean(v.detail()));
            }
        }
        w.writeEndElement();
        w.writeCharacters("\n");
    }

    private static String describe(Verdict v) {
        StringBuilder sb = new StringBuilder();
        sb.append(v.vector().comment()).append('\n');
        sb.append("at: ").append(v.vector().location()).append('\n');
        v.vector().expect().forEach(e -> sb.append("expected: ").append(e).append('\n'));
        v.actual().ifPresent(a -> sb.append("actual: ").append(a).append('\n'));
        sb.append("rules: ").append(String.join(", ", v.vector().rules())).append('\n');
        if (!v.vector().sdm().isEmpty()) {
            sb.append("sdm: ").append(String.join("; ", v.vector().sdm())).append('\n');
        }
        return sb.toString();
    }

    /** XML 1.0 cannot carry most control characters, and adapter messages may contain anything. */
    static String clean(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD)
                    || Character.isSurrogate(c);
            if (!ok) {
                if (sb == null) {
                    sb = new StringBuilder(s.substring(0, i));
                }
                sb.append(String.format("\\u%04x", (int) c));
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }

    private static String seconds(CheckResult result) {
        return String.format(java.util.Locale.ROOT, "%.3f", result.wall().toNanos() / 1e9);
    }
}
