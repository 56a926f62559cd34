package dev.hvmspec.dsl.eval;

import dev.hvmspec.dsl.ast.Decl;
import dev.hvmspec.dsl.ast.Expr;
import dev.hvmspec.dsl.ast.Stmt;
import dev.hvmspec.dsl.ast.Type;
import dev.hvmspec.dsl.check.Binding;
import dev.hvmspec.dsl.check.CheckedDomain;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Evaluates a checked domain directly from its syntax tree. It is the second implementation of the spec beside
 * the generated Java model: the vector generator takes expected outcomes from it, and the test suite checks that
 * the generated model agrees on every vector.
 */
public final class Interpreter {

    private final CheckedDomain domain;
    private final Map<String, Value> constantValues = new HashMap<>();

    public Interpreter(CheckedDomain domain) {
        this.domain = domain;
    }

    public CheckedDomain domain() {
        return domain;
    }

    /** Raised by {@code finish}: unwinds to {@link #evaluate}. */
    private static final class Finished extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient List<Value.Outcome> outcomes;
        final transient Optional<String> flag;
        final String rule;

        Finished(List<Value.Outcome> outcomes, Optional<String> flag, String rule) {
            super(null, null, false, false);
            this.outcomes = outcomes;
            this.flag = flag;
            this.rule = rule;
        }
    }

    /** Returned from a function body by {@code return}. */
    private static final class Returned extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient Value value;

        Returned(Value value) {
            super(null, null, false, false);
            this.value = value;
        }
    }

    /** The state of one evaluation. */
    private final class Run {
        final Map<String, Value> input;
        final Map<String, Boolean> presence;
        final Deque<Map<String, Value>> frames = new ArrayDeque<>();
        final List<Value.Step> trace = new ArrayList<>();
        final List<Value.Outcome> allowed = new ArrayList<>();
        final LinkedHashSet<String> flags = new LinkedHashSet<>();
        final Deque<String> ruleStack = new ArrayDeque<>();

        Run(Map<String, Value> input, Map<String, Boolean> presence) {
            this.input = input;
            this.presence = presence;
        }
    }

    /**
     * Evaluates the domain on an input. {@code input} maps every input member to its value (optional members that
     * are absent map to their default and are listed as false in {@code presence}). Physical memory values are
     * copied, so the caller's input is not changed.
     */
    public Value.Result evaluate(Map<String, Value> input, Map<String, Boolean> presence) {
        Map<String, Value> in = new HashMap<>();
        input.forEach((k, v) -> in.put(k, v instanceof Value.Memory m ? new Value.Memory(m.initial()) : v));
        Run run = new Run(in, presence);
        run.frames.push(new HashMap<>());
        try {
            block(run, domain.evaluate().body());
        } catch (Finished f) {
            LinkedHashSet<Value.Outcome> all = new LinkedHashSet<>(f.outcomes);
            all.addAll(run.allowed);
            // The finish statement's own flag first, then those of the allow statements in the order they ran.
            LinkedHashSet<String> flags = new LinkedHashSet<>();
            f.flag.ifPresent(flags::add);
            flags.addAll(run.flags);
            return new Value.Result(List.copyOf(all), List.copyOf(flags), List.copyOf(run.trace), f.rule);
        }
        // The checker guarantees evaluate ends with finish on every path.
        throw new IllegalStateException("evaluate ended without an outcome");
    }

    // ----- statements -----

    private void block(Run run, Stmt.Block b) {
        run.frames.push(new HashMap<>());
        try {
            for (Stmt s : b.statements()) {
                statement(run, s);
            }
        } finally {
            run.frames.pop();
        }
    }

    private void statement(Run run, Stmt s) {
        if (s instanceof Stmt.Let l) {
            run.frames.peek().put(l.name(), expr(run, l.value()));
        } else if (s instanceof Stmt.Assign a) {
            Value v = expr(run, a.value());
            for (Map<String, Value> f : run.frames) {
                if (f.containsKey(a.name())) {
                    f.put(a.name(), v);
                    return;
                }
            }
            throw new IllegalStateException("assignment to unknown " + a.name());
        } else if (s instanceof Stmt.Store st) {
            Value.Memory m = (Value.Memory) lookup(run, st.name());
            long address = bits(expr(run, st.index()));
            long value = bits(expr(run, st.value()));
            m.write(address, value);
        } else if (s instanceof Stmt.If i) {
            if (bool(expr(run, i.condition()))) {
                block(run, i.then());
            } else if (i.otherwise().isPresent()) {
                block(run, i.otherwise().get());
            }
        } else if (s instanceof Stmt.For f) {
            long from = integer(expr(run, f.from()));
            long to = integer(expr(run, f.to()));
            run.frames.push(new HashMap<>());
            try {
                if (f.descending()) {
                    for (long i = from; i >= to; i--) {
                        run.frames.peek().put(f.variable(), new Value.Int(i));
                        block(run, f.body());
                    }
                } else {
                    for (long i = from; i <= to; i++) {
                        run.frames.peek().put(f.variable(), new Value.Int(i));
                        block(run, f.body());
                    }
                }
            } finally {
                run.frames.pop();
            }
        } else if (s instanceof Stmt.Return r) {
            throw new Returned(expr(run, r.value()));
        } else if (s instanceof Stmt.Finish f) {
            List<Value.Outcome> outcomes = new ArrayList<>();
            for (Expr e : f.outcomes()) outcomes.add((Value.Outcome) expr(run, e));
            throw new Finished(outcomes, f.flag(), run.ruleStack.isEmpty() ? "" : run.ruleStack.peek());
        } else if (s instanceof Stmt.Allow a) {
            run.allowed.add((Value.Outcome) expr(run, a.outcome()));
            run.flags.add(a.flag());
        } else if (s instanceof Stmt.Rule r) {
            boolean held = bool(expr(run, r.condition()));
            run.trace.add(new Value.Step(r.id(), held));
            run.ruleStack.push(r.id());
            try {
                if (held) {
                    block(run, r.then());
                } else if (r.otherwise().isPresent()) {
                    block(run, r.otherwise().get());
                }
            } finally {
                run.ruleStack.pop();
            }
        } else if (s instanceof Stmt.ExprStmt e) {
            expr(run, e.expr());
        }
    }

    private Value lookup(Run run, String name) {
        for (Map<String, Value> f : run.frames) {
            Value v = f.get(name);
            if (v != null) return v;
        }
        Value v = run.input.get(name);
        if (v == null) throw new IllegalStateException("unbound " + name);
        return v;
    }

    // ----- expressions -----

    private static long bits(Value v) {
        if (v instanceof Value.Bits b) return b.value();
        if (v instanceof Value.Int i) return i.value();
        throw new IllegalStateException("not a number: " + v);
    }

    private static long integer(Value v) {
        return bits(v);
    }

    private static boolean bool(Value v) {
        return ((Value.Bool) v).value();
    }

    /** The value of a literal-typed expression, sized to the type the checker gave it. */
    private Value sized(Expr e, BigInteger v) {
        Type t = domain.typeOf(e);
        int w = Type.widthOf(t);
        if (w > 0) return new Value.Bits(w, v.longValue());
        return new Value.Int(v.longValue());
    }

    Value expr(Run run, Expr e) {
        // Layout masks and expressions built from literals and constants were folded by the checker.
        if (!(e instanceof Expr.Name)) {
            Optional<BigInteger> constant = domain.constantOf(e);
            if (constant.isPresent()) return sized(e, constant.get());
        }
        if (e instanceof Expr.IntLit i) return sized(e, i.value());
        if (e instanceof Expr.BoolLit b) return Value.Bool.of(b.value());
        if (e instanceof Expr.Name n) {
            Binding binding = domain.bindingOf(e).orElseThrow();
            if (binding instanceof Binding.Constant c) {
                // Not computeIfAbsent: a constant's value may refer to other constants, which fill the cache too.
                Value cached = constantValues.get(c.decl().name());
                if (cached == null) {
                    cached = constantValue(c.decl());
                    constantValues.put(c.decl().name(), cached);
                }
                return cached;
            }
            return lookup(run, n.name());
        }
        if (e instanceof Expr.Member m) {
            Binding binding = domain.bindingOf(e).orElseThrow();
            if (binding instanceof Binding.EnumItem item) return new Value.Enum(item.decl().name(), item.item().name());
            if (binding instanceof Binding.LayoutField f) {
                long base = bits(expr(run, m.base()));
                return new Value.Bits(f.field().width(), base >>> f.field().lo());
            }
            if (binding instanceof Binding.RecordField f) {
                Value.Record r = (Value.Record) expr(run, m.base());
                return r.fields().get(f.member().name());
            }
            throw new IllegalStateException("unexpected member " + binding);
        }
        if (e instanceof Expr.Index ix) {
            Value base = expr(run, ix.base());
            long index = bits(expr(run, ix.index()));
            if (base instanceof Value.Bits b) {
                return new Value.Bits(1, index < 0 || index >= b.width() ? 0 : b.value() >>> index);
            }
            if (base instanceof Value.Memory mem) return new Value.Bits(64, mem.read(index));
            Value.Bytes bytes = (Value.Bytes) base;
            return new Value.Bits(8, bytes.get(index));
        }
        if (e instanceof Expr.Slice s) {
            Value.Bits b = (Value.Bits) expr(run, s.base());
            int lo = domain.constantOf(s.lo()).orElseThrow().intValue();
            int hi = domain.constantOf(s.hi()).orElseThrow().intValue();
            return new Value.Bits(hi - lo + 1, b.value() >>> lo);
        }
        if (e instanceof Expr.Unary u) {
            Value v = expr(run, u.operand());
            switch (u.op()) {
                case "!":
                    return Value.Bool.of(!bool(v));
                case "~":
                    return new Value.Bits(((Value.Bits) v).width(), ~((Value.Bits) v).value());
                default:
                    if (v instanceof Value.Bits b) return new Value.Bits(b.width(), -b.value());
                    return new Value.Int(-integer(v));
            }
        }
        if (e instanceof Expr.Binary b) return binary(run, b);
        if (e instanceof Expr.Conditional c) {
            return bool(expr(run, c.condition())) ? expr(run, c.then()) : expr(run, c.otherwise());
        }
        if (e instanceof Expr.Call c) return call(run, c);
        throw new IllegalStateException("unexpected expression " + e);
    }

    private Value constantValue(Decl.Const c) {
        BigInteger v = domain.constantOf(c.value()).orElse(null);
        Type t = domain.typeOf(c.value());
        if (v == null) {
            // Boolean constants are not folded by the checker; evaluate them in an empty run.
            return expr(new Run(Map.of(), Map.of()), c.value());
        }
        int w = Type.widthOf(t);
        return w > 0 ? new Value.Bits(w, v.longValue()) : new Value.Int(v.longValue());
    }

    private Value binary(Run run, Expr.Binary b) {
        String op = b.op();
        if (op.equals("&&")) return Value.Bool.of(bool(expr(run, b.left())) && bool(expr(run, b.right())));
        if (op.equals("||")) return Value.Bool.of(bool(expr(run, b.left())) || bool(expr(run, b.right())));
        Value l = expr(run, b.left());
        Value r = expr(run, b.right());
        switch (op) {
            case "==":
                return Value.Bool.of(same(l, r));
            case "!=":
                return Value.Bool.of(!same(l, r));
            case "<":
                return Value.Bool.of(compare(l, r) < 0);
            case "<=":
                return Value.Bool.of(compare(l, r) <= 0);
            case ">":
                return Value.Bool.of(compare(l, r) > 0);
            case ">=":
                return Value.Bool.of(compare(l, r) >= 0);
            case "++": {
                Value.Bits a = (Value.Bits) l;
                Value.Bits c = (Value.Bits) r;
                return new Value.Bits(a.width() + c.width(), (a.value() << c.width()) | c.value());
            }
            case "<<":
            case ">>": {
                long n = bits(r);
                if (l instanceof Value.Bits a) {
                    if (n < 0 || n >= a.width()) return new Value.Bits(a.width(), 0);
                    return new Value.Bits(a.width(), op.equals("<<") ? a.value() << n : a.value() >>> n);
                }
                long x = integer(l);
                if (op.equals("<<")) return new Value.Int(n < 0 || n >= 64 ? 0 : x << n);
                return new Value.Int(n < 0 || n >= 64 ? (x < 0 ? -1 : 0) : x >> n);
            }
            default: {
                if (l instanceof Value.Bits a) {
                    long x = a.value();
                    long y = bits(r);
                    return new Value.Bits(a.width(), arith(op, x, y));
                }
                return new Value.Int(arith(op, integer(l), integer(r)));
            }
        }
    }

    private static long arith(String op, long x, long y) {
        switch (op) {
            case "+":
                return x + y;
            case "-":
                return x - y;
            case "*":
                return x * y;
            case "&":
                return x & y;
            case "^":
                return x ^ y;
            case "|":
                return x | y;
            default:
                throw new IllegalStateException("operator " + op);
        }
    }

    private static boolean same(Value l, Value r) {
        if (l instanceof Value.Bits a && r instanceof Value.Bits b) return a.value() == b.value();
        if ((l instanceof Value.Int || l instanceof Value.Bits) && (r instanceof Value.Int || r instanceof Value.Bits)) {
            return bits(l) == bits(r);
        }
        return l.equals(r);
    }

    private static int compare(Value l, Value r) {
        if (l instanceof Value.Bits || r instanceof Value.Bits) return Long.compareUnsigned(bits(l), bits(r));
        return Long.compare(integer(l), integer(r));
    }

    private Value call(Run run, Expr.Call c) {
        Binding binding = domain.bindingOf(c).orElseThrow();
        List<Optional<Expr>> args = domain.callArguments().get(c);
        if (binding instanceof Binding.BuiltinCall bc) {
            switch (bc.builtin()) {
                case ZEXT:
                case TO_BITS: {
                    int n = domain.constantOf(args.get(1).orElseThrow()).orElseThrow().intValue();
                    return new Value.Bits(n, bits(expr(run, args.get(0).orElseThrow())));
                }
                case TO_INT:
                    return new Value.Int(bits(expr(run, args.get(0).orElseThrow())));
                case PRESENT: {
                    Expr.Name n = (Expr.Name) args.get(0).orElseThrow();
                    return Value.Bool.of(run.presence.getOrDefault(n.name(), true));
                }
                case CHANGES: {
                    Value.Memory m = (Value.Memory) expr(run, args.get(0).orElseThrow());
                    return Value.Memory.frozen(m.changes());
                }
                case NO_CHANGES:
                    return Value.Memory.frozen(Map.of());
                default:
                    throw new IllegalStateException("builtin " + bc.builtin());
            }
        }
        if (binding instanceof Binding.OutcomeCall oc) {
            LinkedHashMap<String, Value> members = new LinkedHashMap<>();
            List<Decl.Member> decl = oc.decl().members();
            for (int i = 0; i < decl.size(); i++) {
                if (args.get(i).isPresent()) {
                    Value v = expr(run, args.get(i).get());
                    members.put(decl.get(i).name(), v);
                }
            }
            return new Value.Outcome(oc.decl().kind(), members);
        }
        Binding.FunctionCall fc = (Binding.FunctionCall) binding;
        Decl.Func f = fc.decl();
        Map<String, Value> frame = new HashMap<>();
        for (int i = 0; i < f.params().size(); i++) {
            frame.put(f.params().get(i).name(), expr(run, args.get(i).orElseThrow()));
        }
        Deque<Map<String, Value>> saved = new ArrayDeque<>(run.frames);
        run.frames.clear();
        run.frames.push(frame);
        try {
            block(run, f.body());
            return new Value.Bool(false); // a function without a result type
        } catch (Returned r) {
            return r.value;
        } finally {
            run.frames.clear();
            saved.descendingIterator().forEachRemaining(run.frames::push);
        }
    }
}
