package dev.hvmspec.generator.java;

import dev.hvmspec.dsl.ast.Decl;
import dev.hvmspec.dsl.ast.Expr;
import dev.hvmspec.dsl.ast.Stmt;
import dev.hvmspec.dsl.ast.Type;
import dev.hvmspec.dsl.check.Binding;
import dev.hvmspec.dsl.check.Builtin;
import dev.hvmspec.dsl.check.CheckedDomain;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Translates spec statements and expressions to Java source text, one Java statement per spec statement where the
 * language allows. The semantics are the spec language's (docs/dsl-reference.md): {@code bits(N)} values live in a
 * {@code long}, unsigned and masked to N bits after every operation that could leave them; {@code int} is a Java
 * {@code long}. Each method body gets its own translator (it tracks the method's local names).
 */
final class BodyTranslator {

    /** A Java expression and the precedence of its outermost operator. */
    record J(String text, int prec) {
        @Override
        public String toString() {
            return text;
        }
    }

    // Java operator precedence, higher binds tighter.
    static final int PRIMARY = 16;
    static final int UNARY = 14;
    static final int MUL = 13;
    static final int ADD = 12;
    static final int SHIFT = 11;
    static final int REL = 10;
    static final int EQ = 9;
    static final int BAND = 8;
    static final int BXOR = 7;
    static final int BOR = 6;
    static final int AND = 5;
    static final int OR = 4;
    static final int COND = 3;

    /** Where the statements run: the evaluate block returns its verdict; functions throw {@code Finished}. */
    enum Place { EVALUATE, FUNCTION, CONSTANT }

    private static final String INDENT = "    ";

    private final DomainNames names;
    private final CheckedDomain domain;
    private final Place place;
    private final boolean allowances;
    private NameScope locals;
    private final List<String> lines = new ArrayList<>();

    BodyTranslator(DomainNames names, Place place, NameScope locals) {
        this.names = names;
        this.domain = names.domain;
        this.place = place;
        this.allowances = place != Place.CONSTANT && names.hasAllowances();
        this.locals = locals;
    }

    List<String> lines() {
        return lines;
    }

    // ----- statements -----

    /** Translates a block's statements at {@code depth} levels of indentation (in a new local scope). */
    void block(Stmt.Block b, int depth) {
        NameScope saved = locals;
        locals = locals.child();
        for (Stmt s : b.statements()) statement(s, depth);
        locals = saved;
    }

    private void line(int depth, String text) {
        lines.add(INDENT.repeat(depth) + text);
    }

    void statement(Stmt s, int depth) {
        if (s instanceof Stmt.Let l) {
            Type type = l.declared().map(names::resolve).orElseGet(() -> {
                Type t = domain.typeOf(l.value());
                return t instanceof Type.Literal ? Type.Int.ANY : t;
            });
            String value = expr(l.value()).text;
            String name = locals.allocate(l.name(), JavaNames.camel(l.name()));
            line(depth, names.javaType(type) + " " + name + " = " + value + ";");
        } else if (s instanceof Stmt.Assign a) {
            line(depth, locals.get(a.name()) + " = " + expr(a.value()).text + ";");
        } else if (s instanceof Stmt.Store st) {
            line(depth, memoryTarget(st.name()) + ".write(" + expr(st.index()).text + ", " + expr(st.value()).text + ");");
        } else if (s instanceof Stmt.If i) {
            ifStatement(i, depth, "if (");
        } else if (s instanceof Stmt.For f) {
            forStatement(f, depth);
        } else if (s instanceof Stmt.Return r) {
            line(depth, "return " + expr(r.value()).text + ";");
        } else if (s instanceof Stmt.Finish f) {
            finish(f, depth);
        } else if (s instanceof Stmt.Allow a) {
            line(depth, "allowed.allow(" + expr(a.outcome()).text + ", " + JavaNames.string(a.flag()) + ");");
        } else if (s instanceof Stmt.Rule r) {
            rule(r, depth);
        } else if (s instanceof Stmt.ExprStmt e) {
            boolean ends = e.expr() instanceof Expr.Call c && names.domain.neverReturning().contains(c.callee());
            line(depth, (ends ? "throw " : "") + expr(e.expr()).text + ";");
        } else {
            throw new IllegalStateException("unhandled statement " + s);
        }
    }

    private void ifStatement(Stmt.If i, int depth, String opening) {
        line(depth, opening + expr(i.condition()).text + ") {");
        block(i.then(), depth + 1);
        if (i.otherwise().isEmpty()) {
            line(depth, "}");
            return;
        }
        Stmt.Block otherwise = i.otherwise().get();
        if (otherwise.statements().size() == 1 && otherwise.statements().get(0) instanceof Stmt.If elseIf) {
            // The parser turns "else if" into an else block holding one if; print it back as "else if".
            NameScope saved = locals;
            locals = locals.child();
            ifStatement(elseIf, depth, "} else if (");
            locals = saved;
            return;
        }
        line(depth, "} else {");
        block(otherwise, depth + 1);
        line(depth, "}");
    }

    private void forStatement(Stmt.For f, int depth) {
        String from = expr(f.from()).text;
        J to = expr(f.to());
        NameScope saved = locals;
        locals = locals.child();
        String v = locals.allocate(f.variable(), JavaNames.camel(f.variable()));
        String cmp = f.descending() ? " >= " : " <= ";
        String step = f.descending() ? v + "--" : v + "++";
        if (domain.constantOf(f.to()).isPresent()) {
            line(depth, "for (long " + v + " = " + from + "; " + v + cmp + to.text + "; " + step + ") {");
        } else {
            // The bound is evaluated once, before the first iteration.
            String last = locals.fresh(v + "Last");
            line(depth, "for (long " + v + " = " + from + ", " + last + " = " + to.text + "; " + v + cmp + last + "; " + step + ") {");
        }
        block(f.body(), depth + 1);
        line(depth, "}");
        locals = saved;
    }

    private void finish(Stmt.Finish f, int depth) {
        List<String> outcomes = new ArrayList<>();
        for (Expr o : f.outcomes()) outcomes.add(expr(o).text);
        String flag = f.flag().map(JavaNames::string).orElse("null");
        boolean single = outcomes.size() == 1 && f.flag().isEmpty();
        String list = "List.of(" + String.join(", ", outcomes) + ")";
        if (place == Place.FUNCTION) {
            line(depth, "throw new Finished(" + list + ", " + flag + ");");
        } else if (allowances) {
            line(depth, "return allowed.finish(" + (single ? outcomes.get(0) : list + ", " + flag) + ");");
        } else {
            line(depth, "return Verdict.of(" + (single ? outcomes.get(0) : list + ", " + flag) + ");");
        }
    }

    private void rule(Stmt.Rule r, int depth) {
        Decl.Sdm sdm = domain.sdm(r.sdm());
        line(depth, "// SDM Vol. " + JavaNames.comment(sdm.volume() + " " + sdm.section() + " " + sdm.title()));
        line(depth, "// " + r.id() + ": " + JavaNames.comment(r.summary()));
        String traced = "Rules.traced(trace, " + names.ruleConstant(r.id()) + ", " + expr(r.condition()).text + ")";
        boolean thenEmpty = r.then().statements().isEmpty();
        boolean otherwiseEmpty = r.otherwise().map(b -> b.statements().isEmpty()).orElse(true);
        if (thenEmpty && otherwiseEmpty) {
            line(depth, traced + ";");
        } else if (thenEmpty) {
            line(depth, "if (!" + traced + ") {");
            block(r.otherwise().get(), depth + 1);
            line(depth, "}");
        } else {
            line(depth, "if (" + traced + ") {");
            block(r.then(), depth + 1);
            if (!otherwiseEmpty) {
                line(depth, "} else {");
                block(r.otherwise().get(), depth + 1);
            }
            line(depth, "}");
        }
    }

    private String memoryTarget(String name) {
        Optional<String> local = locals.lookup(name);
        if (local.isPresent()) return local.get();
        return "input." + names.component("input", name) + "()";
    }

    // ----- expressions -----

    /** The Java text of {@code e}. */
    String translate(Expr e) {
        return expr(e).text;
    }

    J expr(Expr e) {
        Optional<BigInteger> folded = domain.constantOf(e);
        if (folded.isPresent() && (e instanceof Expr.IntLit || e instanceof Expr.Unary || e instanceof Expr.Binary)) {
            // Literals and expressions built only from literals: the checker folded them.
            return literal(e, folded.get());
        }
        if (e instanceof Expr.BoolLit b) return new J(Boolean.toString(b.value()), PRIMARY);
        if (e instanceof Expr.Name n) return name(n);
        if (e instanceof Expr.Member m) return member(m);
        if (e instanceof Expr.Index ix) return index(ix);
        if (e instanceof Expr.Slice s) {
            int hi = domain.constantOf(s.hi()).orElseThrow().intValue();
            int lo = domain.constantOf(s.lo()).orElseThrow().intValue();
            return new J("Bits.slice(" + expr(s.base()).text + ", " + hi + ", " + lo + ")", PRIMARY);
        }
        if (e instanceof Expr.Unary u) return unary(u);
        if (e instanceof Expr.Binary b) return binary(b);
        if (e instanceof Expr.Conditional c) {
            return new J(wrap(expr(c.condition()), OR) + " ? " + wrap(expr(c.then()), OR) + " : " + wrap(expr(c.otherwise()), OR), COND);
        }
        if (e instanceof Expr.Call c) return call(c);
        throw new IllegalStateException("unhandled expression " + e);
    }

    private static String wrap(J j, int min) {
        return j.prec >= min ? j.text : "(" + j.text + ")";
    }

    private int width(Expr e) {
        return Type.widthOf(domain.typeOf(e));
    }

    /** A literal of the type the checker gave it: hex with an L suffix for bit vectors, as written for ints. */
    private J literal(Expr e, BigInteger value) {
        int w = width(e);
        boolean hexSource = e instanceof Expr.IntLit lit && (lit.text().startsWith("0x") || lit.text().startsWith("0b"));
        if (w > 0) {
            long v = value.longValue() & mask(w);
            if (!hexSource && e instanceof Expr.IntLit && v >= 0 && v < 10) return new J(v + "L", PRIMARY);
            return new J(hexLiteral(v), PRIMARY);
        }
        long v = value.longValue();
        boolean needsL = v < Integer.MIN_VALUE || v > Integer.MAX_VALUE;
        String text = hexSource && v >= 0 ? "0x" + Long.toHexString(v) : Long.toString(v);
        return new J(text + (needsL ? "L" : ""), v < 0 ? UNARY : PRIMARY);
    }

    static String hexLiteral(long v) {
        return "0x" + Long.toHexString(v) + "L";
    }

    static long mask(int width) {
        return width >= 64 ? -1L : (1L << width) - 1;
    }

    /** {@code j} reduced to {@code width} bits. */
    private static J masked(J j, int width) {
        if (width >= 64) return j;
        String inner = j.prec >= UNARY ? j.text : "(" + j.text + ")";
        return new J(inner + " & " + hexLiteral(mask(width)), BAND);
    }

    private J name(Expr.Name n) {
        Binding b = domain.bindingOf(n).orElseThrow(() -> new IllegalStateException("unbound name at " + n.pos()));
        if (b instanceof Binding.Local) return new J(locals.get(n.name()), PRIMARY);
        if (b instanceof Binding.InputField f) return new J("input." + names.component("input", f.member().name()) + "()", PRIMARY);
        if (b instanceof Binding.Constant c) {
            return new J(names.field(c.decl().name()), PRIMARY);
        }
        throw new IllegalStateException("unexpected binding " + b + " at " + n.pos());
    }

    private J member(Expr.Member m) {
        Binding b = domain.bindingOf(m).orElseThrow(() -> new IllegalStateException("unbound member at " + m.pos()));
        if (b instanceof Binding.EnumItem item) {
            return new J(names.typeClass(item.decl().name()) + "." + names.enumItem(item.decl().name(), item.item().name()), PRIMARY);
        }
        if (b instanceof Binding.LayoutMask mask) {
            return new J(names.typeClass(mask.layout().name()) + "." + names.layoutField(mask.layout().name(), mask.field().name()), PRIMARY);
        }
        if (b instanceof Binding.LayoutField f) {
            return new J(names.typeClass(f.layout().name()) + "." + names.layoutField(f.layout().name(), f.field().name())
                    + "(" + expr(m.base()).text + ")", PRIMARY);
        }
        if (b instanceof Binding.RecordField f) {
            return new J(wrap(expr(m.base()), PRIMARY) + "." + names.component("record:" + f.record().name(), f.member().name()) + "()", PRIMARY);
        }
        throw new IllegalStateException("unexpected binding " + b + " at " + m.pos());
    }

    private J index(Expr.Index ix) {
        Type base = domain.typeOf(ix.base());
        J b = expr(ix.base());
        J i = expr(ix.index());
        if (base instanceof Type.PhysicalMemory) return new J(wrap(b, PRIMARY) + ".read(" + i.text + ")", PRIMARY);
        if (base instanceof Type.Bytes) return new J(wrap(b, PRIMARY) + ".get(" + i.text + ")", PRIMARY);
        return new J("Bits.bit(" + b.text + ", " + i.text + ", " + Type.widthOf(base) + ")", PRIMARY);
    }

    private J unary(Expr.Unary u) {
        J x = expr(u.operand());
        String operand = x.prec >= UNARY && !x.text.startsWith("-") ? x.text : "(" + x.text + ")";
        int w = width(u);
        switch (u.op()) {
            case "!":
                return new J("!" + operand, UNARY);
            case "~":
                return masked(new J("~" + operand, UNARY), w);
            default:
                return masked(new J("-" + operand, UNARY), w == 0 ? 64 : w);
        }
    }

    private J binary(Expr.Binary b) {
        String op = b.op();
        switch (op) {
            case "&&":
                return new J(wrap(expr(b.left()), AND) + " && " + wrap(expr(b.right()), AND + 1), AND);
            case "||":
                return new J(wrap(expr(b.left()), AND + 1) + " || " + wrap(expr(b.right()), AND + 1), OR);
            case "==":
            case "!=":
                return new J(wrap(expr(b.left()), REL) + " " + op + " " + wrap(expr(b.right()), REL), EQ);
            case "<":
            case "<=":
            case ">":
            case ">=": {
                J l = expr(b.left());
                J r = expr(b.right());
                if (width(b.left()) == 64 || width(b.right()) == 64) {
                    return new J("Long.compareUnsigned(" + l.text + ", " + r.text + ") " + op + " 0", REL);
                }
                return new J(wrap(l, SHIFT) + " " + op + " " + wrap(r, SHIFT), REL);
            }
            case "<<":
            case ">>":
                return shift(b);
            case "++": {
                J l = expr(b.left());
                J r = expr(b.right());
                return new J("(" + wrap(l, MUL) + " << " + width(b.right()) + ") | " + wrap(r, SHIFT), BOR);
            }
            case "&":
                return bitwise(b, BAND);
            case "^":
                return bitwise(b, BXOR);
            case "|":
                return bitwise(b, BOR);
            case "*":
                return masked(new J(wrap(expr(b.left()), MUL) + " * " + wrap(expr(b.right()), UNARY), MUL), widthOrInt(b));
            default: {
                // + and -
                J j = new J(wrap(expr(b.left()), ADD) + " " + op + " " + wrap(expr(b.right()), MUL), ADD);
                return masked(j, widthOrInt(b));
            }
        }
    }

    /** {@code a | b | c} chains without parentheses; any other operator inside a bitwise one gets them, for the reader. */
    private J bitwise(Expr.Binary b, int prec) {
        J l = expr(b.left());
        J r = expr(b.right());
        String left = l.prec == prec ? l.text : wrap(l, SHIFT);
        return new J(left + " " + b.op() + " " + wrap(r, SHIFT), prec);
    }

    private int widthOrInt(Expr e) {
        int w = width(e);
        return w == 0 ? 64 : w;
    }

    private J shift(Expr.Binary b) {
        boolean left = b.op().equals("<<");
        int w = width(b.left());
        J x = expr(b.left());
        J n = expr(b.right());
        Optional<BigInteger> count = domain.constantOf(b.right());
        int limit = w == 0 ? 64 : w;
        if (count.isPresent() && count.get().signum() >= 0 && count.get().compareTo(BigInteger.valueOf(limit)) < 0) {
            String c = count.get().toString();
            if (w == 0) return new J(wrap(x, MUL) + (left ? " << " : " >> ") + c, SHIFT);
            if (!left) return new J(wrap(x, MUL) + " >>> " + c, SHIFT);
            return masked(new J(wrap(x, MUL) + " << " + c, SHIFT), w);
        }
        if (w == 0) return new J("Bits." + (left ? "shiftLeftInt(" : "shiftRightInt(") + x.text + ", " + n.text + ")", PRIMARY);
        return new J("Bits." + (left ? "shiftLeft(" : "shiftRight(") + x.text + ", " + n.text + ", " + w + ")", PRIMARY);
    }

    private J call(Expr.Call c) {
        Binding b = domain.bindingOf(c).orElseThrow(() -> new IllegalStateException("unbound call at " + c.pos()));
        List<Optional<Expr>> args = domain.callArguments().get(c);
        if (b instanceof Binding.BuiltinCall bc) return builtin(bc.builtin(), args);
        if (b instanceof Binding.OutcomeCall oc) {
            Decl.Outcome o = oc.decl();
            List<String> values = new ArrayList<>();
            for (int i = 0; i < o.members().size(); i++) {
                Decl.Member m = o.members().get(i);
                Optional<Expr> arg = args.get(i);
                if (!m.optional()) {
                    values.add(expr(arg.orElseThrow()).text);
                } else {
                    String optional = names.optionalType(m.type()).startsWith("OptionalLong") ? "OptionalLong" : "Optional";
                    values.add(arg.isPresent() ? optional + ".of(" + expr(arg.get()).text + ")" : optional + ".empty()");
                }
            }
            return new J("new " + names.outcomeCaseType(o.name()) + "(" + String.join(", ", values) + ")", PRIMARY);
        }
        Binding.FunctionCall fc = (Binding.FunctionCall) b;
        DomainNames.FunctionInfo f = names.function(fc.decl().name());
        List<String> values = new ArrayList<>();
        if (f.needsInput()) values.add("input");
        if (f.needsTrace()) values.add("trace");
        if (f.needsAllowed()) values.add("allowed");
        for (Optional<Expr> a : args) values.add(expr(a.orElseThrow()).text);
        return new J(f.method() + "(" + String.join(", ", values) + ")", PRIMARY);
    }

    private J builtin(Builtin builtin, List<Optional<Expr>> args) {
        switch (builtin) {
            case ZEXT:
            case TO_INT:
                // Values are held unsigned in a long: widening and conversion to int change nothing.
                return expr(args.get(0).orElseThrow());
            case TO_BITS: {
                int n = domain.constantOf(args.get(1).orElseThrow()).orElseThrow().intValue();
                return masked(expr(args.get(0).orElseThrow()), n);
            }
            case PRESENT: {
                Expr.Name n = (Expr.Name) args.get(0).orElseThrow();
                return new J("input." + names.presence("input", n.name()) + "()", PRIMARY);
            }
            case CHANGES:
                return new J(wrap(expr(args.get(0).orElseThrow()), PRIMARY) + ".changes()", PRIMARY);
            case NO_CHANGES:
                return new J("PhysicalMemory.empty()", PRIMARY);
            default:
                throw new IllegalStateException("unhandled builtin " + builtin);
        }
    }
}
