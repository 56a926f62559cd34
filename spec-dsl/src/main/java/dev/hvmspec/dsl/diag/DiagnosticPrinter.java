package dev.hvmspec.dsl.diag;

import java.util.List;
import java.util.Map;

/**
 * Renders diagnostics as a compiler does: {@code file:line:col: message}, then the source line and a caret under
 * the column.
 */
public final class DiagnosticPrinter {
    private final Map<String, String> sources;

    /** @param sources file path to the full text of that file, for quoting the offending line */
    public DiagnosticPrinter(Map<String, String> sources) {
        this.sources = Map.copyOf(sources);
    }

    public String render(List<Diagnostic> diagnostics) {
        StringBuilder out = new StringBuilder();
        for (Diagnostic d : diagnostics) {
            out.append(d).append('\n');
            String text = sources.get(d.pos().file());
            if (text == null) continue;
            String[] lines = text.split("\n", -1);
            int index = d.pos().line() - 1;
            if (index < 0 || index >= lines.length) continue;
            String line = lines[index].replace("\r", "");
            out.append("    ").append(line).append('\n');
            out.append("    ");
            for (int i = 1; i < d.pos().col() && i <= line.length(); i++) {
                out.append(line.charAt(i - 1) == '\t' ? '\t' : ' ');
            }
            out.append("^\n");
        }
        return out.toString();
    }
}
