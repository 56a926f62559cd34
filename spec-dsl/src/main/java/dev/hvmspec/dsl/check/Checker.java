package dev.hvmspec.dsl.check;

import dev.hvmspec.dsl.ast.Decl;
import dev.hvmspec.dsl.ast.Expr;
import dev.hvmspec.dsl.ast.Pos;
import dev.hvmspec.dsl.ast.SpecFile;
import dev.hvmspec.dsl.ast.Stmt;
import dev.hvmspec.dsl.ast.Type;
import dev.hvmspec.dsl.diag.Diagnostic;
import dev.hvmspec.dsl.diag.SpecException;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Stage 1b: the semantic checker. Resolves names, types every expression, and reports undefined names, type and
 * width mismatches, missing results, unreachable statements and rules, and duplicate declarations and rule IDs.
 * All problems of all files are collected; any problem makes the whole spec unusable.
 */
public final class Checker {

    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private final List<Diagnostic> diagnostics = new ArrayList<>();

    private Checker() {}

    /** Checks every domain file of the spec (libraries are checked as part of the domains that use them). */
    public static List<CheckedDomain> check(List<SpecFile> files) throws SpecException {
        Checker checker = new Checker();
        List<CheckedDomain> domains = checker.checkAll(files);
        if (!checker.diagnostics.isEmpty()) {
            throw new SpecException(checker.diagnostics);
        }
        return domains;
    }

    private void error(Pos pos, String message) {
        diagnostics.add(new Diagnostic(pos, message));
    }

    private List<CheckedDomain> checkAll(List<SpecFile> files) {
        Map<String, SpecFile> libraries = new HashMap<>();
        Map<String, Pos> domainNames = new HashMap<>();
        for (SpecFile f : files) {
            if (f.isLibrary()) {
                if (libraries.putIfAbsent(f.name(), f) != null) {
                    error(f.headerPos(), "duplicate library '" + f.name() + "'");
                }
            } else if (domainNames.putIfAbsent(f.name(), f.headerPos()) != null) {
                error(f.headerPos(), "duplicate domain '" + f.name() + "' (first declared at " + domainNames.get(f.name()) + ")");
            }
        }
        Map<String, Pos> ruleIds = new HashMap<>();
        List<CheckedDomain> out = new ArrayList<>();
        for (SpecFile f : files) {
            if (f.isLibrary()) continue;
            List<SpecFile> scope = new ArrayList<>();
            for (SpecFile.Use use : f.uses()) {
                SpecFile lib = libraries.get(use.library());
                if (lib == null) {
                    error(use.pos(), "undefined library '" + use.library() + "'");
                } else {
                    scope.add(lib);
                }
            }
            scope.add(f);
            DomainChecker dc = new DomainChecker(f, scope, ruleIds);
            dc.run().ifPresent(out::add);
        }
        // Libraries no domain uses are still checked for syntax and duplicates by their users; an unused one is
        // reported so that it does not rot silently.
        Set<String> used = new HashSet<>();
        files.forEach(f -> f.uses().forEach(u -> used.add(u.library())));
        libraries.values().stream().filter(l -> !used.contains(l.name()))
                .forEach(l -> error(l.headerPos(), "library '" + l.name() + "' is not used by any domain"));
        return out;
    }

    /** Checks one domain together with its libraries. */
    private final class DomainChecker {
        private final SpecFile file;
        private final List<SpecFile> scope;
        private final Map<String, Pos> ruleIds;
        private final Map<String, Decl> decls = new LinkedHashMap<>();
        private final Map<Expr, Type> types = new IdentityHashMap<>();
        private final Map<Expr, Binding> bindings = new IdentityHashMap<>();
        private final Map<Expr.Call, List<Optional<Expr>>> callArgs = new IdentityHashMap<>();
        private final Map<Expr, BigInteger> constants = new IdentityHashMap<>();
        private final List<Stmt.Rule> rules = new ArrayList<>();
        private final Map<String, Decl.Func> calledFunctions = new LinkedHashMap<>();
        private final Set<String> checkedFunctions = new HashSet<>();
        /** Functions without a result whose every path ends the evaluation (for example a #GP helper). */
        private final Set<String> neverReturn = new HashSet<>();
        private Decl.Input input;
        private final List<Decl.Outcome> outcomes = new ArrayList<>();

        /** Lexical scopes of locals: name to (type, mutable). */
        private final Deque<Map<String, Local>> locals = new ArrayDeque<>();
        private Optional<Type> currentResult = Optional.empty();
        private boolean inFunction;

        private record Local(Type type, boolean mutable) {}

        DomainChecker(SpecFile file, List<SpecFile> scope, Map<String, Pos> ruleIds) {
            this.file = file;
            this.scope = scope;
            this.ruleIds = ruleIds;
        }

        Optional<CheckedDomain> run() {
            int before = diagnostics.size();
            Decl.Evaluate evaluate = null;
            for (SpecFile f : scope) {
                for (Decl d : f.decls()) {
                    if (d instanceof Decl.Input in) {
                        if (f.isLibrary()) error(in.pos(), "a library cannot declare the input");
                        else if (input != null) error(in.pos(), "duplicate input declaration");
                        else input = in;
                        continue;
                    }
                    if (d instanceof Decl.Evaluate ev) {
                        if (f.isLibrary()) error(ev.pos(), "a library cannot declare evaluate");
                        else if (evaluate != null) error(ev.pos(), "duplicate evaluate block");
                        else evaluate = ev;
                        continue;
                    }
                    Decl previous = decls.putIfAbsent(d.name(), d);
                    if (previous != null) {
                        error(d.pos(), "duplicate declaration of '" + d.name() + "' (first declared at " + previous.pos() + ")");
                    }
                    if (d instanceof Decl.Outcome o) outcomes.add(o);
                }
            }
            if (input == null) error(file.headerPos(), "domain '" + file.name() + "' has no input declaration");
            if (evaluate == null) error(file.headerPos(), "domain '" + file.name() + "' has no evaluate block");
            if (outcomes.isEmpty()) error(file.headerPos(), "domain '" + file.name() + "' declares no outcome");
            checkDeclarations();
            if (input != null) {
                checkMembers(input.members(), "input");
            }
            if (evaluate != null) {
                inFunction = false;
                currentResult = Optional.empty();
                locals.push(new HashMap<>());
                boolean completes = block(evaluate.body());
                locals.pop();
                if (completes) {
                    error(endOf(evaluate.body()), "missing result: evaluate can end without a finish statement");
                }
            }
            // Functions are checked when first called, so that rules inside them count as reachable; the rest are
            // checked here and their rules reported as unreachable.
            for (Decl d : new ArrayList<>(decls.values())) {
                if (d instanceof Decl.Func f && !checkedFunctions.contains(f.name())) {
                    checkFunction(f);
                    reportUnreachableRules(f.body(), "function '" + f.name() + "' is never called");
                }
            }
            if (diagnostics.size() != before || input == null || evaluate == null) {
                return Optional.empty();
            }
            rules.sort((a, b) -> {
                int c = a.pos().file().compareTo(b.pos().file());
                return c != 0 ? c : Integer.compare(a.pos().line() * 10000 + a.pos().col(), b.pos().line() * 10000 + b.pos().col());
            });
            return Optional.of(new CheckedDomain(file.name(), file.path(), decls, input, outcomes, evaluate, rules,
                    types, bindings, callArgs, constants, neverReturn));
        }

        private Pos endOf(Stmt.Block b) {
            return b.statements().isEmpty() ? b.pos() : b.statements().get(b.statements().size() - 1).pos();
        }

        // ----- declarations -----

        private void checkDeclarations() {
            Set<String> kinds = new HashSet<>();
            for (Decl d : decls.values()) {
                if (d instanceof Decl.Enum e) {
                    Set<String> names = new HashSet<>();
                    Set<String> json = new HashSet<>();
                    for (Decl.EnumItem item : e.items()) {
                        if (!names.add(item.name())) error(item.pos(), "duplicate enum item '" + item.name() + "'");
                        if (!json.add(item.json())) error(item.pos(), "duplicate enum spelling \"" + item.json() + "\"");
                    }
                }
                if (d instanceof Decl.Layout l) {
                    if (l.width() < 1 || l.width() > 64) error(l.pos(), "layout width must be 1..64, not " + l.width());
                    Set<String> names = new HashSet<>();
                    for (Decl.Field f : l.fields()) {
                        if (!names.add(f.name())) error(f.pos(), "duplicate field '" + f.name() + "'");
                        if (f.lo() > f.hi() || f.hi() >= l.width()) {
                            error(f.pos(), "field " + f.name() + " [" + f.hi() + ":" + f.lo() + "] does not fit in bits(" + l.width() + ")");
                        }
                    }
                }
                if (d instanceof Decl.Record r) {
                    checkMembers(r.members(), "record " + r.name());
                }
                if (d instanceof Decl.Outcome o) {
                    if (!kinds.add(o.kind())) error(o.pos(), "duplicate outcome kind \"" + o.kind() + "\"");
                    checkMembers(o.members(), "outcome " + o.name());
                }
                if (d instanceof Decl.Const c) {
                    Type declared = resolve(c.type());
                    locals.push(new HashMap<>());
                    Type actual = expr(c.value());
                    locals.pop();
                    expect(c.value(), actual, declared, "constant " + c.name());
                    if (!constants.containsKey(c.value()) && !(declared instanceof Type.Bool)) {
                        error(c.value().pos(), "the value of constant " + c.name() + " is not a compile-time constant");
                    }
                }
            }
        }

        private void checkMembers(List<Decl.Member> members, String owner) {
            Set<String> names = new HashSet<>();
            for (Decl.Member m : members) {
                if (!names.add(m.name())) error(m.pos(), "duplicate member '" + m.name() + "' in " + owner);
                Type t = resolve(m.type());
                if (t instanceof Type.Int i && i.bounded() && i.min() > i.max()) {
                    error(m.pos(), "empty range " + t);
                }
            }
        }

        /** Resolves named types and validates widths. */
        Type resolve(Type t) {
            if (t instanceof Type.Bits b && (b.width() < 1 || b.width() > 64)) {
                error(posOf(t), "bit-vector width must be 1..64, not " + b.width());
                return new Type.Bits(64);
            }
            if (t instanceof Type.Bytes b && (b.size() < 1 || b.size() > 65536)) {
                error(posOf(t), "byte-array size must be 1..65536, not " + b.size());
            }
            if (!(t instanceof Type.Named n)) return t;
            Decl d = decls.get(n.name());
            if (d instanceof Decl.Enum) return new Type.Enum(n.name());
            if (d instanceof Decl.Layout l) return new Type.Layout(l.name(), l.width());
            if (d instanceof Decl.Record) return new Type.Record(n.name());
            error(n.pos(), d == null ? "undefined type '" + n.name() + "'" : "'" + n.name() + "' is not a type");
            return Type.Int.ANY;
        }

        private Pos posOf(Type t) {
            return t instanceof Type.Named n ? n.pos() : file.headerPos();
        }

        // ----- functions and statements -----

        private void checkFunction(Decl.Func f) {
            if (!checkedFunctions.add(f.name())) return;
            Deque<Map<String, Local>> savedLocals = new ArrayDeque<>(locals);
            Optional<Type> savedResult = currentResult;
            boolean savedIn = inFunction;
            locals.clear();
            Map<String, Local> params = new HashMap<>();
            for (Decl.Param p : f.params()) {
                if (params.put(p.name(), new Local(resolve(p.type()), false)) != null) {
                    error(p.pos(), "duplicate parameter '" + p.name() + "'");
                }
            }
            locals.push(params);
            currentResult = f.result().map(this::resolve);
            inFunction = true;
            boolean completes = block(f.body());
            if (completes && currentResult.isPresent()) {
                error(endOf(f.body()), "missing result: function '" + f.name() + "' can end without a return statement");
            }
            if (!completes && currentResult.isEmpty()) {
                neverReturn.add(f.name());
            }
            locals.clear();
            savedLocals.descendingIterator().forEachRemaining(locals::push);
            currentResult = savedResult;
            inFunction = savedIn;
        }

        /** Checks a block; returns whether control can reach its end. */
        private boolean block(Stmt.Block b) {
            locals.push(new HashMap<>());
            boolean reachable = true;
            boolean reported = false;
            for (Stmt s : b.statements()) {
                if (!reachable && !reported) {
                    if (s instanceof Stmt.Rule r) {
                        error(r.pos(), "unreachable rule " + r.id() + ": the statements before it always end the evaluation");
                    } else {
                        error(s.pos(), "unreachable statement");
                    }
                    reported = true;
                }
                // Only the first unreachable statement is reported; the rest are still checked for their own errors.
                boolean completes = statement(s);
                reachable = reachable && completes;
            }
            locals.pop();
            return reachable;
        }

        private void declareLocal(Pos pos, String name, Type type, boolean mutable) {
            for (Map<String, Local> scope : locals) {
                if (scope.containsKey(name)) {
                    error(pos, "'" + name + "' is already defined in this scope");
                    return;
                }
            }
            if (input != null && input.members().stream().anyMatch(m -> m.name().equals(name))) {
                error(pos, "'" + name + "' hides an input member of the same name");
            }
            locals.peek().put(name, new Local(type, mutable));
        }

        private Optional<Local> lookupLocal(String name) {
            for (Map<String, Local> scope : locals) {
                Local l = scope.get(name);
                if (l != null) return Optional.of(l);
            }
            return Optional.empty();
        }

        /** Checks a statement; returns whether control can continue after it. */
        private boolean statement(Stmt s) {
            if (s instanceof Stmt.Let l) {
                Type actual = expr(l.value());
                Type type = l.declared().map(this::resolve).orElse(actual instanceof Type.Literal ? Type.Int.ANY : actual);
                expect(l.value(), actual, type, "'" + l.name() + "'");
                if (type instanceof Type.Void || type instanceof Type.Outcome) {
                    error(l.value().pos(), "'" + l.name() + "' cannot hold a value of type " + type);
                }
                declareLocal(l.pos(), l.name(), type, l.mutable());
                return true;
            }
            if (s instanceof Stmt.Assign a) {
                Type actual = expr(a.value());
                Optional<Local> local = lookupLocal(a.name());
                if (local.isEmpty()) {
                    error(a.pos(), isInput(a.name()) ? "cannot assign to input member '" + a.name() + "'"
                            : "undefined name '" + a.name() + "'");
                } else if (!local.get().mutable()) {
                    error(a.pos(), "cannot assign to '" + a.name() + "': declared with let, not var");
                } else {
                    expect(a.value(), actual, local.get().type(), "'" + a.name() + "'");
                }
                return true;
            }
            if (s instanceof Stmt.Store st) {
                Type target = lookupLocal(st.name()).map(Local::type).orElseGet(() -> inputType(st.name()).orElse(null));
                Type it = expr(st.index());
                Type vt = expr(st.value());
                if (target == null) {
                    error(st.pos(), "undefined name '" + st.name() + "'");
                } else if (!(target instanceof Type.PhysicalMemory)) {
                    error(st.pos(), "only physical memory can be written; '" + st.name() + "' is " + target);
                } else {
                    if (Type.widthOf(it) == 0) error(st.index().pos(), "a physical address must be a bit vector, not " + it);
                    expect(st.value(), vt, new Type.Bits(64), "a memory word");
                }
                return true;
            }
            if (s instanceof Stmt.If i) {
                expect(i.condition(), expr(i.condition()), new Type.Bool(), "an if condition");
                boolean a = block(i.then());
                boolean b = i.otherwise().map(this::block).orElse(true);
                return a || b;
            }
            if (s instanceof Stmt.For f) {
                expect(f.from(), expr(f.from()), Type.Int.ANY, "a loop bound");
                expect(f.to(), expr(f.to()), Type.Int.ANY, "a loop bound");
                locals.push(new HashMap<>());
                declareLocal(f.pos(), f.variable(), Type.Int.ANY, false);
                block(f.body());
                locals.pop();
                return true;
            }
            if (s instanceof Stmt.Return r) {
                Type actual = expr(r.value());
                if (!inFunction) {
                    error(r.pos(), "return outside a function: evaluate ends with finish");
                } else if (currentResult.isEmpty()) {
                    error(r.pos(), "function declares no result type but returns a value");
                } else {
                    expect(r.value(), actual, currentResult.get(), "the returned value");
                }
                return false;
            }
            if (s instanceof Stmt.Finish f) {
                for (Expr o : f.outcomes()) {
                    Type t = expr(o);
                    if (!(t instanceof Type.Outcome)) error(o.pos(), "finish needs an outcome, not " + t);
                }
                if (f.outcomes().size() > 1 && f.flag().isEmpty()) {
                    error(f.pos(), "several allowed outcomes need a flag saying why");
                }
                f.flag().ifPresent(flag -> checkFlag(f.pos(), flag));
                return false;
            }
            if (s instanceof Stmt.Allow a) {
                Type t = expr(a.outcome());
                if (!(t instanceof Type.Outcome)) error(a.outcome().pos(), "allow needs an outcome, not " + t);
                checkFlag(a.pos(), a.flag());
                return true;
            }
            if (s instanceof Stmt.Rule r) {
                Pos first = ruleIds.putIfAbsent(r.id(), r.pos());
                if (first != null && !first.equals(r.pos())) {
                    error(r.pos(), "duplicate rule ID " + r.id() + " (first used at " + first + ")");
                }
                if (first == null || !first.equals(r.pos())) rules.add(r);
                Decl sdm = decls.get(r.sdm());
                if (!(sdm instanceof Decl.Sdm)) {
                    error(r.sdmPos(), sdm == null ? "undefined SDM reference '" + r.sdm() + "'"
                            : "'" + r.sdm() + "' is not an SDM reference");
                }
                if (r.summary().isBlank()) error(r.pos(), "rule " + r.id() + " needs a summary");
                expect(r.condition(), expr(r.condition()), new Type.Bool(), "the condition of rule " + r.id());
                boolean a = block(r.then());
                boolean b = r.otherwise().map(this::block).orElse(true);
                if (r.isCheck() && b) {
                    // A check whose violation does not end the evaluation would let a violated rule go unnoticed.
                    error(r.pos(), "missing result: the else branch of check " + r.id() + " must end the evaluation");
                }
                return a || b;
            }
            if (s instanceof Stmt.ExprStmt e) {
                Type t = expr(e.expr());
                if (!(e.expr() instanceof Expr.Call)) error(e.pos(), "an expression statement must be a call");
                else if (!(t instanceof Type.Void)) error(e.pos(), "the result of this call is not used");
                return !(e.expr() instanceof Expr.Call c && neverReturn.contains(c.callee()));
            }
            throw new IllegalStateException("unhandled node " + s);
        }

        private void checkFlag(Pos pos, String flag) {
            boolean declared = decls.values().stream().anyMatch(d -> d instanceof Decl.Flag f && f.name().equals(flag));
            if (!declared) error(pos, "undefined flag \"" + flag + "\": declare it with flag \"" + flag + "\": \"...\";");
        }

        private boolean isInput(String name) {
            return inputType(name).isPresent();
        }

        private Optional<Type> inputType(String name) {
            if (input == null) return Optional.empty();
            return input.members().stream().filter(m -> m.name().equals(name)).findFirst().map(m -> resolve(m.type()));
        }

        // ----- expressions -----

        /** Records and returns the type of {@code e}; never null. */
        private Type expr(Expr e) {
            Type t = exprType(e);
            types.put(e, t);
            return t;
        }

        /** Reports a mismatch between an expression's type and what its context needs; sizes literals. */
        private void expect(Expr e, Type actual, Type wanted, String what) {
            if (actual instanceof Type.Literal && e instanceof Expr.Conditional c) {
                expect(c.then(), types.get(c.then()), wanted, what);
                expect(c.otherwise(), types.get(c.otherwise()), wanted, what);
                types.put(e, Type.widthOf(wanted) > 0 ? new Type.Bits(Type.widthOf(wanted)) : wanted);
                return;
            }
            if (actual instanceof Type.Literal) {
                BigInteger v = constants.get(e);
                int w = Type.widthOf(wanted);
                if (w > 0) {
                    if (v != null && (v.signum() < 0 || v.bitLength() > w)) {
                        error(e.pos(), "width mismatch: literal " + v.toString(16) + " (hex) does not fit in bits(" + w + ") for " + what);
                    }
                    types.put(e, new Type.Bits(w));
                    return;
                }
                if (wanted instanceof Type.Int) {
                    if (v != null && v.abs().compareTo(LONG_MAX) > 0) error(e.pos(), "integer literal out of range for " + what);
                    types.put(e, Type.Int.ANY);
                    return;
                }
                error(e.pos(), "type mismatch: " + what + " needs " + wanted + ", found an integer literal");
                return;
            }
            if (!compatible(actual, wanted)) {
                int aw = Type.widthOf(actual);
                int ww = Type.widthOf(wanted);
                String kind = aw > 0 && ww > 0 ? "width mismatch" : "type mismatch";
                error(e.pos(), kind + ": " + what + " needs " + wanted + ", found " + actual);
            }
        }

        private boolean compatible(Type a, Type b) {
            int aw = Type.widthOf(a);
            int bw = Type.widthOf(b);
            if (aw > 0 || bw > 0) return aw == bw;
            if (a instanceof Type.Int && b instanceof Type.Int) return true;
            return a.equals(b);
        }

        private Type exprType(Expr e) {
            if (e instanceof Expr.IntLit i) {
                constants.put(e, i.value());
                return new Type.Literal();
            }
            if (e instanceof Expr.BoolLit b) {
                return new Type.Bool();
            }
            if (e instanceof Expr.Name n) {
                Optional<Local> local = lookupLocal(n.name());
                if (local.isPresent()) {
                    bindings.put(e, new Binding.Local(n.name()));
                    return local.get().type();
                }
                if (input != null) {
                    for (Decl.Member m : input.members()) {
                        if (m.name().equals(n.name())) {
                            bindings.put(e, new Binding.InputField(m));
                            return resolve(m.type());
                        }
                    }
                }
                Decl d = decls.get(n.name());
                if (d instanceof Decl.Const c) {
                    bindings.put(e, new Binding.Constant(c));
                    Type t = resolve(c.type());
                    // A constant's folded value, so that expressions built from constants fold too.
                    BigInteger v = constantValue(c);
                    if (v != null) constants.put(n, v);
                    return t;
                }
                error(n.pos(), d == null ? "undefined name '" + n.name() + "'" : "'" + n.name() + "' is not a value");
                return Type.Int.ANY;
            }
            if (e instanceof Expr.Member m) {
                return member(m);
            }
            if (e instanceof Expr.Index ix) {
                Type base = expr(ix.base());
                Type it = expr(ix.index());
                int w = Type.widthOf(base);
                if (w > 0) {
                    if (it instanceof Type.Literal) {
                        BigInteger v = constants.get(ix.index());
                        if (v != null && v.compareTo(BigInteger.valueOf(w)) >= 0) {
                            error(ix.index().pos(), "bit " + v + " is outside bits(" + w + ")");
                        }
                        types.put(ix.index(), Type.Int.ANY);
                    } else if (!(it instanceof Type.Int)) {
                        error(ix.index().pos(), "a bit index must be an int, not " + it);
                    }
                    return new Type.Bits(1);
                }
                if (base instanceof Type.PhysicalMemory) {
                    if (Type.widthOf(it) == 0) error(ix.index().pos(), "a physical address must be a bit vector, not " + it);
                    return new Type.Bits(64);
                }
                if (base instanceof Type.Bytes) {
                    if (it instanceof Type.Literal) types.put(ix.index(), Type.Int.ANY);
                    else if (!(it instanceof Type.Int) && Type.widthOf(it) == 0) {
                        error(ix.index().pos(), "a byte offset must be an int or a bit vector, not " + it);
                    }
                    return new Type.Bits(8);
                }
                error(ix.pos(), "cannot index a value of type " + base);
                return new Type.Bits(1);
            }
            if (e instanceof Expr.Slice s) {
                Type base = expr(s.base());
                expr(s.hi());
                expr(s.lo());
                int w = Type.widthOf(base);
                BigInteger hi = constants.get(s.hi());
                BigInteger lo = constants.get(s.lo());
                types.put(s.hi(), Type.Int.ANY);
                types.put(s.lo(), Type.Int.ANY);
                if (w == 0) {
                    error(s.pos(), "cannot slice a value of type " + base);
                    return new Type.Bits(1);
                }
                if (hi == null || lo == null) {
                    error(s.pos(), "slice bounds must be constants");
                    return new Type.Bits(1);
                }
                if (lo.signum() < 0 || hi.compareTo(lo) < 0 || hi.compareTo(BigInteger.valueOf(w)) >= 0) {
                    error(s.pos(), "slice [" + hi + ":" + lo + "] is outside bits(" + w + ")");
                    return new Type.Bits(1);
                }
                return new Type.Bits(hi.intValue() - lo.intValue() + 1);
            }
            if (e instanceof Expr.Unary u) {
                Type t = expr(u.operand());
                switch (u.op()) {
                    case "!" -> {
                        expect(u.operand(), t, new Type.Bool(), "operand of !");
                        return new Type.Bool();
                    }
                    case "~" -> {
                        if (Type.widthOf(t) > 0) return new Type.Bits(Type.widthOf(t));
                        error(u.pos(), "~ needs a bit vector of known width, found " + t);
                        return new Type.Bits(1);
                    }
                    default -> {
                        if (t instanceof Type.Literal) {
                            BigInteger v = constants.get(u.operand());
                            if (v != null) constants.put(e, v.negate());
                            return t;
                        }
                        if (t instanceof Type.Int || Type.widthOf(t) > 0) return Type.widthOf(t) > 0 ? new Type.Bits(Type.widthOf(t)) : t;
                        error(u.pos(), "- needs a number, found " + t);
                        return Type.Int.ANY;
                    }
                }
            }
            if (e instanceof Expr.Binary b) {
                return binary(b);
            }
            if (e instanceof Expr.Conditional c) {
                expect(c.condition(), expr(c.condition()), new Type.Bool(), "a condition");
                Type a = expr(c.then());
                Type o = expr(c.otherwise());
                if (a instanceof Type.Literal && !(o instanceof Type.Literal)) {
                    expect(c.then(), a, o, "the then branch");
                    return norm(o);
                }
                if (o instanceof Type.Literal && !(a instanceof Type.Literal)) {
                    expect(c.otherwise(), o, a, "the else branch");
                    return norm(a);
                }
                if (a instanceof Type.Literal) {
                    // Sized by the context through expect(); an int when the context has no width.
                    return new Type.Literal();
                }
                expect(c.otherwise(), o, a, "the else branch");
                return norm(a);
            }
            if (e instanceof Expr.Call c) {
                return call(c);
            }
            throw new IllegalStateException("unhandled node " + e);
        }

        /** Layout-typed values become plain bit vectors once an operator touches them. */
        private Type norm(Type t) {
            return t instanceof Type.Layout l ? new Type.Bits(l.width()) : t;
        }

        private Type member(Expr.Member m) {
            if (m.base() instanceof Expr.Name n && lookupLocal(n.name()).isEmpty() && !isInput(n.name())) {
                Decl d = decls.get(n.name());
                if (d instanceof Decl.Enum en) {
                    for (Decl.EnumItem item : en.items()) {
                        if (item.name().equals(m.name())) {
                            bindings.put(m, new Binding.EnumItem(en, item));
                            return new Type.Enum(en.name());
                        }
                    }
                    error(m.pos(), "enum " + en.name() + " has no item '" + m.name() + "'");
                    return new Type.Enum(en.name());
                }
                if (d instanceof Decl.Layout l) {
                    for (Decl.Field f : l.fields()) {
                        if (f.name().equals(m.name())) {
                            bindings.put(m, new Binding.LayoutMask(l, f));
                            BigInteger mask = BigInteger.ONE.shiftLeft(f.width()).subtract(BigInteger.ONE).shiftLeft(f.lo());
                            constants.put(m, mask);
                            types.put(n, new Type.Layout(l.name(), l.width()));
                            return new Type.Bits(l.width());
                        }
                    }
                    error(m.pos(), "layout " + l.name() + " has no field '" + m.name() + "'");
                    return new Type.Bits(l.width());
                }
            }
            Type base = expr(m.base());
            if (base instanceof Type.Layout lt && decls.get(lt.name()) instanceof Decl.Layout l) {
                for (Decl.Field f : l.fields()) {
                    if (f.name().equals(m.name())) {
                        bindings.put(m, new Binding.LayoutField(l, f));
                        return new Type.Bits(f.width());
                    }
                }
                error(m.pos(), "layout " + l.name() + " has no field '" + m.name() + "'");
                return new Type.Bits(1);
            }
            if (base instanceof Type.Record rt && decls.get(rt.name()) instanceof Decl.Record r) {
                for (Decl.Member mm : r.members()) {
                    if (mm.name().equals(m.name())) {
                        bindings.put(m, new Binding.RecordField(r, mm));
                        return resolve(mm.type());
                    }
                }
                error(m.pos(), "record " + r.name() + " has no member '" + m.name() + "'");
                return Type.Int.ANY;
            }
            error(m.pos(), "a value of type " + base + " has no member '" + m.name() + "'");
            return Type.Int.ANY;
        }

        private Type binary(Expr.Binary b) {
            Type l = norm(expr(b.left()));
            Type r = norm(expr(b.right()));
            String op = b.op();
            BigInteger lv = constants.get(b.left());
            BigInteger rv = constants.get(b.right());
            boolean bothLiteral = l instanceof Type.Literal && r instanceof Type.Literal;
            switch (op) {
                case "&&", "||" -> {
                    expect(b.left(), l, new Type.Bool(), "operand of " + op);
                    expect(b.right(), r, new Type.Bool(), "operand of " + op);
                    return new Type.Bool();
                }
                case "==", "!=", "<", "<=", ">", ">=" -> {
                    if (bothLiteral) {
                        types.put(b.left(), Type.Int.ANY);
                        types.put(b.right(), Type.Int.ANY);
                    } else if (l instanceof Type.Literal) {
                        expect(b.left(), l, r, "operand of " + op);
                    } else {
                        expect(b.right(), r, l, "operand of " + op);
                    }
                    Type t = l instanceof Type.Literal ? r : l;
                    if (!op.equals("==") && !op.equals("!=") && !(t instanceof Type.Int) && Type.widthOf(t) == 0
                            && !(t instanceof Type.Literal)) {
                        error(b.pos(), op + " needs numbers, found " + t);
                    }
                    if (t instanceof Type.PhysicalMemory || t instanceof Type.Bytes || t instanceof Type.Outcome
                            || t instanceof Type.Record) {
                        error(b.pos(), "cannot compare values of type " + t);
                    }
                    return new Type.Bool();
                }
                case "<<", ">>" -> {
                    if (r instanceof Type.Literal) {
                        types.put(b.right(), Type.Int.ANY);
                    } else if (!(r instanceof Type.Int) && Type.widthOf(r) == 0) {
                        error(b.right().pos(), "a shift count must be an int or a bit vector, not " + r);
                    }
                    if (l instanceof Type.Literal) {
                        if (lv != null && rv != null && rv.signum() >= 0 && rv.intValue() < 128) {
                            constants.put(b, op.equals("<<") ? lv.shiftLeft(rv.intValue()) : lv.shiftRight(rv.intValue()));
                            return l;
                        }
                        error(b.left().pos(), "shifting an unsized literal by a variable amount: give it a width, e.g. to_bits(1, 64)");
                        return Type.Int.ANY;
                    }
                    if (!(l instanceof Type.Int) && Type.widthOf(l) == 0) {
                        error(b.left().pos(), op + " needs a number, found " + l);
                    }
                    int w = Type.widthOf(l);
                    if (lv != null && rv != null && w > 0) {
                        // Shifts of bit-vector constants fold like the other operators: 0 once the count reaches the width.
                        BigInteger shifted = rv.signum() < 0 || rv.compareTo(BigInteger.valueOf(w)) >= 0 ? BigInteger.ZERO
                                : op.equals("<<") ? lv.shiftLeft(rv.intValue()) : lv.shiftRight(rv.intValue());
                        constants.put(b, shifted.and(BigInteger.ONE.shiftLeft(w).subtract(BigInteger.ONE)));
                    }
                    return l;
                }
                case "++" -> {
                    l = sizedBinaryLiteral(b.left(), l);
                    r = sizedBinaryLiteral(b.right(), r);
                    int lw = Type.widthOf(l);
                    int rw = Type.widthOf(r);
                    if (lw == 0 || rw == 0) {
                        error(b.pos(), "++ concatenates bit vectors of known width, found " + l + " and " + r);
                        return new Type.Bits(1);
                    }
                    if (lw + rw > 64) {
                        error(b.pos(), "width mismatch: concatenation is " + (lw + rw) + " bits wide; at most 64 are allowed");
                        return new Type.Bits(64);
                    }
                    return new Type.Bits(lw + rw);
                }
                default -> {
                    // + - * & ^ |
                    if (bothLiteral) {
                        if (lv != null && rv != null) {
                            constants.put(b, fold(op, lv, rv));
                        }
                        return l;
                    }
                    Type t;
                    if (l instanceof Type.Literal) {
                        expect(b.left(), l, r, "operand of " + op);
                        t = r;
                    } else {
                        expect(b.right(), r, l, "operand of " + op);
                        t = l;
                    }
                    if (lv != null && rv != null && (Type.widthOf(t) > 0 || t instanceof Type.Int)) {
                        // Constants built from other constants fold too, wrapped at the operands' width.
                        BigInteger folded = fold(op, lv, rv);
                        int w = Type.widthOf(t);
                        constants.put(b, w > 0 ? folded.and(BigInteger.ONE.shiftLeft(w).subtract(BigInteger.ONE)) : folded);
                    }
                    boolean bitwise = op.equals("&") || op.equals("^") || op.equals("|");
                    if (bitwise && Type.widthOf(t) == 0) {
                        error(b.pos(), op + " needs bit vectors, found " + t);
                    } else if (!bitwise && Type.widthOf(t) == 0 && !(t instanceof Type.Int)) {
                        error(b.pos(), op + " needs numbers, found " + t);
                    }
                    return t;
                }
            }
        }

        /** The value of {@code lv op rv} for the arithmetic and bitwise operators, unbounded. */
        private BigInteger fold(String op, BigInteger lv, BigInteger rv) {
            return switch (op) {
                case "+" -> lv.add(rv);
                case "-" -> lv.subtract(rv);
                case "*" -> lv.multiply(rv);
                case "&" -> lv.and(rv);
                case "^" -> lv.xor(rv);
                default -> lv.or(rv);
            };
        }

        /** A literal written in binary has as many bits as it has digits, so {@code 0b0000} can be concatenated. */
        private Type sizedBinaryLiteral(Expr e, Type t) {
            if (t instanceof Type.Literal && e instanceof Expr.IntLit i && i.text().startsWith("0b")) {
                Type sized = new Type.Bits(i.text().substring(2).replace("_", "").length());
                types.put(e, sized);
                return sized;
            }
            return t;
        }

        private Type call(Expr.Call c) {
            Optional<Builtin> builtin = Builtin.find(c.callee());
            Decl d = decls.get(c.callee());
            if (builtin.isPresent() && d == null) {
                return builtinCall(c, builtin.get());
            }
            if (d instanceof Decl.Func f) {
                bindings.put(c, new Binding.FunctionCall(f));
                if (c.args().size() != f.params().size()) {
                    error(c.pos(), "function " + f.name() + " takes " + f.params().size() + " arguments, not " + c.args().size());
                }
                List<Optional<Expr>> ordered = new ArrayList<>();
                for (int i = 0; i < c.args().size(); i++) {
                    Expr.Arg a = c.args().get(i);
                    if (a.name().isPresent()) error(a.pos(), "function arguments are positional");
                    Type t = expr(a.value());
                    if (i < f.params().size()) {
                        expect(a.value(), t, resolve(f.params().get(i).type()), "parameter " + f.params().get(i).name());
                    }
                    ordered.add(Optional.of(a.value()));
                }
                callArgs.put(c, ordered);
                if (!calledFunctions.containsKey(f.name())) {
                    calledFunctions.put(f.name(), f);
                    checkFunction(f);
                }
                return f.result().map(this::resolve).orElse(new Type.Void());
            }
            if (d instanceof Decl.Outcome o) {
                bindings.put(c, new Binding.OutcomeCall(o));
                Map<String, Expr> named = new HashMap<>();
                for (Expr.Arg a : c.args()) {
                    Type t = expr(a.value());
                    if (a.name().isEmpty()) {
                        error(a.pos(), "outcome arguments are named: " + o.name() + "(member: value, ...)");
                        continue;
                    }
                    Optional<Decl.Member> m = o.members().stream().filter(x -> x.name().equals(a.name().get())).findFirst();
                    if (m.isEmpty()) {
                        error(a.pos(), "outcome " + o.name() + " has no member '" + a.name().get() + "'");
                        continue;
                    }
                    if (named.put(a.name().get(), a.value()) != null) error(a.pos(), "member '" + a.name().get() + "' given twice");
                    expect(a.value(), t, resolve(m.get().type()), "member " + a.name().get());
                }
                List<Optional<Expr>> ordered = new ArrayList<>();
                for (Decl.Member m : o.members()) {
                    Expr v = named.get(m.name());
                    if (v == null && !m.optional()) error(c.pos(), "outcome " + o.name() + " needs member '" + m.name() + "'");
                    ordered.add(Optional.ofNullable(v));
                }
                callArgs.put(c, ordered);
                return new Type.Outcome();
            }
            error(c.pos(), d == null ? "undefined function '" + c.callee() + "'" : "'" + c.callee() + "' is not a function");
            c.args().forEach(a -> expr(a.value()));
            return Type.Int.ANY;
        }

        private Type builtinCall(Expr.Call c, Builtin b) {
            bindings.put(c, new Binding.BuiltinCall(b));
            List<Optional<Expr>> ordered = new ArrayList<>();
            List<Type> ts = new ArrayList<>();
            for (Expr.Arg a : c.args()) {
                if (a.name().isPresent()) error(a.pos(), "builtin arguments are positional");
                ts.add(expr(a.value()));
                ordered.add(Optional.of(a.value()));
            }
            callArgs.put(c, ordered);
            if (ts.size() != b.arity()) {
                error(c.pos(), b.spelling() + " takes " + b.arity() + " arguments, not " + ts.size());
                return Type.Int.ANY;
            }
            switch (b) {
                case ZEXT, TO_BITS -> {
                    BigInteger n = constants.get(c.args().get(1).value());
                    types.put(c.args().get(1).value(), Type.Int.ANY);
                    if (n == null || n.signum() <= 0 || n.compareTo(BigInteger.valueOf(64)) > 0) {
                        error(c.args().get(1).pos(), "the width of " + b.spelling() + " must be a constant 1..64");
                        return new Type.Bits(64);
                    }
                    Expr x = c.args().get(0).value();
                    if (b == Builtin.ZEXT) {
                        int w = Type.widthOf(ts.get(0));
                        if (w == 0) error(x.pos(), "zext needs a bit vector, found " + ts.get(0));
                        else if (w > n.intValue()) error(x.pos(), "width mismatch: zext from bits(" + w + ") to narrower bits(" + n + ")");
                    } else {
                        expect(x, ts.get(0), Type.Int.ANY, "the argument of to_bits");
                    }
                    return new Type.Bits(n.intValue());
                }
                case TO_INT -> {
                    int w = Type.widthOf(ts.get(0));
                    if (w == 0 || w > 63) error(c.args().get(0).pos(), "to_int needs a bit vector of at most 63 bits, found " + ts.get(0));
                    return Type.Int.ANY;
                }
                case PRESENT -> {
                    Expr x = c.args().get(0).value();
                    boolean ok = x instanceof Expr.Name n && bindings.get(n) instanceof Binding.InputField f && f.member().optional();
                    if (!ok) error(x.pos(), "present() takes an optional input member");
                    return new Type.Bool();
                }
                case CHANGES -> {
                    if (!(ts.get(0) instanceof Type.PhysicalMemory)) error(c.args().get(0).pos(), "changes() takes physical memory");
                    return new Type.PhysicalMemory();
                }
                case NO_CHANGES -> {
                    return new Type.PhysicalMemory();
                }
            }
            return Type.Int.ANY;
        }

        private BigInteger constantValue(Decl.Const c) {
            return constants.get(c.value());
        }

        private void reportUnreachableRules(Stmt.Block b, String why) {
            for (Stmt s : b.statements()) {
                if (s instanceof Stmt.Rule r) {
                    error(r.pos(), "unreachable rule " + r.id() + ": " + why);
                    rules.remove(r);
                    reportUnreachableRules(r.then(), why);
                    r.otherwise().ifPresent(o -> reportUnreachableRules(o, why));
                }
                if (s instanceof Stmt.If i) {
                    reportUnreachableRules(i.then(), why);
                    i.otherwise().ifPresent(o -> reportUnreachableRules(o, why));
                }
                if (s instanceof Stmt.For f) {
                    reportUnreachableRules(f.body(), why);
                }
            }
        }
    }
}
