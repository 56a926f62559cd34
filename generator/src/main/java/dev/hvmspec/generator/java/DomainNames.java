package dev.hvmspec.generator.java;

import dev.hvmspec.dsl.ast.Decl;
import dev.hvmspec.dsl.ast.Expr;
import dev.hvmspec.dsl.ast.Pos;
import dev.hvmspec.dsl.ast.Stmt;
import dev.hvmspec.dsl.ast.Type;
import dev.hvmspec.dsl.check.Binding;
import dev.hvmspec.dsl.check.CheckedDomain;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every Java name of one domain's generated code, allocated once, and the Java type of every spec type. The
 * translator and the backend read names only from here.
 */
final class DomainNames {

    /** How a spec function becomes a static method: its name and the context parameters it needs. */
    record FunctionInfo(String method, boolean needsInput, boolean needsTrace, boolean needsAllowed, boolean finishes) {}

    /** Simple names the generated code uses unqualified; nothing generated may hide them. */
    static final Set<String> USED_TYPES = Set.of("Bits", "Hex", "Json", "List", "Verdict", "Rules", "Trace", "RuleInfo",
            "SdmRef", "PhysicalMemory", "ByteArray", "Long", "Boolean", "Optional", "OptionalLong", "Allowances", "String",
            "Object", "Override", "Math", "Integer", "RuntimeException", "JsonNode", "ObjectNode", "ArrayList",
            "InvalidInputException", "DomainModel", "Evaluation", "Finished");

    private static final Set<String> OBJECT_METHODS = Set.of("hashCode", "toString", "equals", "getClass", "notify",
            "notifyAll", "wait", "clone", "finalize");

    final CheckedDomain domain;
    final String packageName;
    final String prefix;
    final String specFile;
    final String inputClass;
    final String outcomeClass;
    final String specClass;
    final String codecClass;
    final String modelClass;

    private final Map<String, String> typeClasses = new HashMap<>();
    private final Map<String, NameScope> memberScopes = new HashMap<>();
    private final NameScope outcomeCases;
    final NameScope specFields;
    private final NameScope specMethods;
    private final Map<String, FunctionInfo> functions = new LinkedHashMap<>();

    DomainNames(CheckedDomain domain) {
        this.domain = domain;
        this.packageName = "dev.hvmspec.model." + JavaNames.packageSegment(domain.name());
        this.prefix = JavaNames.pascal(domain.name());
        this.specFile = Path.of(domain.file()).getFileName().toString();
        NameScope classes = new NameScope(USED_TYPES);
        inputClass = classes.allocate("\0input", prefix + "Input");
        outcomeClass = classes.allocate("\0outcome", prefix + "Outcome");
        specClass = classes.allocate("\0spec", prefix + "Spec");
        codecClass = classes.allocate("\0codec", prefix + "Json");
        modelClass = classes.allocate("\0model", prefix + "Model");
        for (Decl d : declarationsInOrder()) {
            if (d instanceof Decl.Enum || d instanceof Decl.Layout || d instanceof Decl.Record) {
                typeClasses.put(d.name(), classes.allocate(d.name(), prefix + JavaNames.pascal(d.name())));
            }
        }
        Set<String> nested = new HashSet<>(USED_TYPES);
        nested.addAll(typeClasses.values());
        nested.addAll(List.of(inputClass, outcomeClass, specClass, codecClass, modelClass));
        outcomeCases = new NameScope(nested);
        for (Decl.Outcome o : domain.outcomes()) {
            outcomeCases.allocate(o.name(), JavaNames.pascal(o.name()));
            members("outcome:" + o.name(), o.members(), false);
        }
        members("input", domain.input().members(), true);
        for (Decl d : declarationsInOrder()) {
            if (d instanceof Decl.Record r) members("record:" + r.name(), r.members(), true);
            if (d instanceof Decl.Enum e) {
                NameScope items = new NameScope(Set.of("json", "fromJson", "values", "valueOf", "ordinal", "name"));
                e.items().forEach(i -> items.allocate(i.name(), i.name()));
                memberScopes.put("enum:" + e.name(), items);
            }
            if (d instanceof Decl.Layout l) {
                NameScope fields = new NameScope(Set.of("WIDTH"));
                l.fields().forEach(f -> fields.allocate(f.name(), f.name()));
                memberScopes.put("layout:" + l.name(), fields);
            }
        }
        Set<String> fieldReserved = new HashSet<>(nested);
        fieldReserved.addAll(List.of("RULES", "input", "trace", "allowed", "finished"));
        specFields = new NameScope(fieldReserved);
        for (Decl d : declarationsInOrder()) {
            if (d instanceof Decl.Const || d instanceof Decl.Sdm) specFields.allocate(d.name(), d.name());
        }
        for (Stmt.Rule r : domain.rules()) specFields.allocate("\0rule:" + r.id(), r.id());
        Set<String> methodReserved = new HashSet<>(OBJECT_METHODS);
        methodReserved.add("evaluate");
        specMethods = new NameScope(methodReserved);
        computeFunctions();
    }

    /** Declarations in source order: the libraries' (by file), then the domain's own. */
    List<Decl> declarationsInOrder() {
        List<Decl> out = new ArrayList<>(domain.declarations().values());
        String own = domain.file();
        out.sort(Comparator.<Decl, Boolean>comparing(d -> d.pos().file().equals(own))
                .thenComparing(d -> d.pos().file())
                .thenComparingInt(d -> d.pos().line())
                .thenComparingInt(d -> d.pos().col()));
        return out;
    }

    private void members(String owner, List<Decl.Member> members, boolean presenceFlags) {
        Set<String> reserved = new HashSet<>(OBJECT_METHODS);
        reserved.addAll(List.of("kind", "withFreshMemory"));
        NameScope scope = new NameScope(reserved);
        for (Decl.Member m : members) scope.allocate(m.name(), JavaNames.camel(m.name()));
        if (presenceFlags) {
            for (Decl.Member m : members) {
                if (m.optional()) scope.allocate(m.name() + "\0present", JavaNames.camel(m.name()) + "Present");
            }
        }
        memberScopes.put(owner, scope);
    }

    // ----- names -----

    String typeClass(String specName) {
        return typeClasses.get(specName);
    }

    String enumItem(String enumName, String item) {
        return memberScopes.get("enum:" + enumName).get(item);
    }

    String layoutField(String layout, String field) {
        return memberScopes.get("layout:" + layout).get(field);
    }

    /** The component of an input member, record member ({@code record:R}) or outcome member ({@code outcome:O}). */
    String component(String owner, String member) {
        return memberScopes.get(owner).get(member);
    }

    String presence(String owner, String member) {
        return memberScopes.get(owner).get(member + "\0present");
    }

    String outcomeCase(String outcome) {
        return outcomeCases.get(outcome);
    }

    /** {@code MsrAccessOutcome.VmExit}. */
    String outcomeCaseType(String outcome) {
        return outcomeClass + "." + outcomeCase(outcome);
    }

    String field(String specName) {
        return specFields.get(specName);
    }

    String ruleConstant(String ruleId) {
        return specFields.get("\0rule:" + ruleId);
    }

    FunctionInfo function(String name) {
        return functions.get(name);
    }

    Map<String, FunctionInfo> functions() {
        return functions;
    }

    // ----- types -----

    /** Resolves a type as written in the spec ({@link Type.Named}) to the checker's types. */
    Type resolve(Type t) {
        if (!(t instanceof Type.Named n)) return t;
        Decl d = domain.declarations().get(n.name());
        if (d instanceof Decl.Enum) return new Type.Enum(n.name());
        if (d instanceof Decl.Layout l) return new Type.Layout(l.name(), l.width());
        if (d instanceof Decl.Record) return new Type.Record(n.name());
        throw new IllegalStateException("unresolved type " + n.name());
    }

    /** The Java type holding values of {@code t}. */
    String javaType(Type t) {
        Type r = resolve(t);
        if (r instanceof Type.Bool) return "boolean";
        if (r instanceof Type.PhysicalMemory) return "PhysicalMemory";
        if (r instanceof Type.Bytes) return "ByteArray";
        if (r instanceof Type.Enum e) return typeClass(e.name());
        if (r instanceof Type.Record rec) return typeClass(rec.name());
        if (r instanceof Type.Void) return "void";
        return "long";
    }

    /** The Java type of an optional outcome member. */
    String optionalType(Type t) {
        String j = javaType(t);
        if (j.equals("long")) return "OptionalLong";
        if (j.equals("boolean")) return "Optional<Boolean>";
        return "Optional<" + j + ">";
    }

    // ----- what functions need -----

    private record Direct(Set<String> calls, boolean input, boolean trace, boolean allowed, boolean finishes) {}

    private void computeFunctions() {
        Map<String, Direct> direct = new LinkedHashMap<>();
        for (Decl d : declarationsInOrder()) {
            if (d instanceof Decl.Func f) {
                Set<String> params = new HashSet<>();
                f.params().forEach(p -> params.add(p.name()));
                Scan scan = new Scan(params);
                scan.block(f.body());
                direct.put(f.name(), new Direct(scan.calls, scan.input, scan.trace, scan.allowed, scan.finishes));
            }
        }
        Map<String, Direct> closed = new HashMap<>(direct);
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Map.Entry<String, Direct> e : closed.entrySet()) {
                Direct a = e.getValue();
                boolean in = a.input, tr = a.trace, al = a.allowed, fi = a.finishes;
                for (String c : a.calls) {
                    Direct b = closed.get(c);
                    in |= b.input;
                    tr |= b.trace;
                    al |= b.allowed;
                    fi |= b.finishes;
                }
                if (in != a.input || tr != a.trace || al != a.allowed || fi != a.finishes) {
                    e.setValue(new Direct(a.calls, in, tr, al, fi));
                    changed = true;
                }
            }
        }
        for (String name : direct.keySet()) {
            Direct c = closed.get(name);
            functions.put(name, new FunctionInfo(specMethods.allocate(name, JavaNames.camel(name)), c.input, c.trace,
                    c.allowed, c.finishes));
        }
    }

    /** Whether any function the evaluate block calls (directly or not) can finish the evaluation. */
    boolean evaluateCatchesFinish() {
        Scan scan = new Scan(Set.of());
        scan.block(domain.evaluate().body());
        return scan.calls.stream().anyMatch(c -> functions.get(c).finishes());
    }

    /** Whether the domain has any allow statement (then evaluations carry {@code Allowances}). */
    boolean hasAllowances() {
        Scan scan = new Scan(Set.of());
        scan.block(domain.evaluate().body());
        for (Decl d : domain.declarations().values()) {
            if (d instanceof Decl.Func f) scan.block(f.body());
        }
        return scan.allowed;
    }

    /** What a body uses directly: input members, rules, allow, finish and calls. */
    private final class Scan {
        private final Set<String> params;
        final Set<String> calls = new HashSet<>();
        boolean input;
        boolean trace;
        boolean allowed;
        boolean finishes;

        Scan(Set<String> params) {
            this.params = params;
        }

        void block(Stmt.Block b) {
            b.statements().forEach(this::statement);
        }

        void statement(Stmt s) {
            if (s instanceof Stmt.Let l) expr(l.value());
            else if (s instanceof Stmt.Assign a) expr(a.value());
            else if (s instanceof Stmt.Store st) {
                if (!params.contains(st.name()) && isInputMember(st.name())) input = true;
                expr(st.index());
                expr(st.value());
            } else if (s instanceof Stmt.If i) {
                expr(i.condition());
                block(i.then());
                i.otherwise().ifPresent(this::block);
            } else if (s instanceof Stmt.For f) {
                expr(f.from());
                expr(f.to());
                block(f.body());
            } else if (s instanceof Stmt.Return r) expr(r.value());
            else if (s instanceof Stmt.Finish f) {
                finishes = true;
                f.outcomes().forEach(this::expr);
            } else if (s instanceof Stmt.Allow a) {
                allowed = true;
                expr(a.outcome());
            } else if (s instanceof Stmt.Rule r) {
                trace = true;
                expr(r.condition());
                block(r.then());
                r.otherwise().ifPresent(this::block);
            } else if (s instanceof Stmt.ExprStmt e) expr(e.expr());
        }

        void expr(Expr e) {
            Binding b = domain.bindingOf(e).orElse(null);
            if (b instanceof Binding.InputField) input = true;
            if (b instanceof Binding.FunctionCall fc) calls.add(fc.decl().name());
            if (e instanceof Expr.Member m) expr(m.base());
            else if (e instanceof Expr.Index i) {
                expr(i.base());
                expr(i.index());
            } else if (e instanceof Expr.Slice s) expr(s.base());
            else if (e instanceof Expr.Unary u) expr(u.operand());
            else if (e instanceof Expr.Binary bin) {
                expr(bin.left());
                expr(bin.right());
            } else if (e instanceof Expr.Conditional c) {
                expr(c.condition());
                expr(c.then());
                expr(c.otherwise());
            } else if (e instanceof Expr.Call c) {
                c.args().forEach(a -> expr(a.value()));
            }
        }
    }

    boolean isInputMember(String name) {
        return domain.input().members().stream().anyMatch(m -> m.name().equals(name));
    }

    Decl.Member inputMember(String name) {
        return domain.input().members().stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow();
    }

    static String where(Pos pos) {
        return Path.of(pos.file()).getFileName() + ":" + pos.line();
    }
}
