package dev.hvmspec.dsl.check;

import dev.hvmspec.dsl.ast.Decl;
import dev.hvmspec.dsl.ast.Expr;
import dev.hvmspec.dsl.ast.Stmt;
import dev.hvmspec.dsl.ast.Type;
import java.math.BigInteger;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Stage 1b's product: one domain of the spec with every name resolved and every expression typed. The backends
 * (interpreter, Java model, vectors) read only this, never the raw syntax tree's unresolved names.
 *
 * @param name        the domain, e.g. {@code msr-access}
 * @param file        the domain's spec file path
 * @param declarations every declaration in scope by name (the domain's and its libraries')
 * @param input       the input declaration
 * @param outcomes    the outcome constructors in declaration order
 * @param evaluate    the entry point
 * @param rules       every rule and check reachable from the entry point, in source order
 * @param neverReturning functions without a result whose every path ends the evaluation (a #GP helper, say)
 */
public record CheckedDomain(
        String name,
        String file,
        Map<String, Decl> declarations,
        Decl.Input input,
        List<Decl.Outcome> outcomes,
        Decl.Evaluate evaluate,
        List<Stmt.Rule> rules,
        Map<Expr, Type> types,
        Map<Expr, Binding> bindings,
        Map<Expr.Call, List<Optional<Expr>>> callArguments,
        Map<Expr, BigInteger> constants,
        Set<String> neverReturning) {

    public CheckedDomain {
        declarations = Map.copyOf(declarations);
        outcomes = List.copyOf(outcomes);
        rules = List.copyOf(rules);
        // Identity maps: syntax-tree records may be structurally equal at different positions.
        types = new IdentityHashMap<>(types);
        bindings = new IdentityHashMap<>(bindings);
        callArguments = new IdentityHashMap<>(callArguments);
        constants = new IdentityHashMap<>(constants);
        neverReturning = Set.copyOf(neverReturning);
    }

    public Type typeOf(Expr e) {
        Type t = types.get(e);
        if (t == null) throw new IllegalStateException("untyped expression at " + e.pos());
        return t;
    }

    public Optional<Binding> bindingOf(Expr e) {
        return Optional.ofNullable(bindings.get(e));
    }

    /** The value of a compile-time constant expression (integer literals and what is built from them). */
    public Optional<BigInteger> constantOf(Expr e) {
        return Optional.ofNullable(constants.get(e));
    }

    public <T extends Decl> List<T> declarationsOf(Class<T> kind) {
        return declarations.values().stream().filter(kind::isInstance).map(kind::cast)
                .sorted((a, b) -> a.name().compareTo(b.name())).toList();
    }

    public Decl.Sdm sdm(String name) {
        return (Decl.Sdm) declarations.get(name);
    }

    public Optional<Decl.Outcome> outcomeByKind(String kind) {
        return outcomes.stream().filter(o -> o.kind().equals(kind)).findFirst();
    }
}
