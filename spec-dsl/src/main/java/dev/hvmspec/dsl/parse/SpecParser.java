package dev.hvmspec.dsl.parse;

import dev.hvmspec.dsl.ast.Decl;
import dev.hvmspec.dsl.ast.Expr;
import dev.hvmspec.dsl.ast.Pos;
import dev.hvmspec.dsl.ast.SpecFile;
import dev.hvmspec.dsl.ast.Stmt;
import dev.hvmspec.dsl.ast.Type;
import dev.hvmspec.dsl.diag.Diagnostic;
import dev.hvmspec.dsl.diag.SpecException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.tree.TerminalNode;

/**
 * Stage 1a: text to syntax tree. Parses one spec file with the ANTLR grammar and builds the immutable AST.
 * Syntax errors are collected, never thrown as runtime exceptions; a file with any error yields a
 * {@link SpecException} holding all of them.
 */
public final class SpecParser {

    private SpecParser() {}

    public static SpecFile parse(String path, String text) throws SpecException {
        List<Diagnostic> errors = new ArrayList<>();
        BaseErrorListener listener = new BaseErrorListener() {
            @Override
            public void syntaxError(Recognizer<?, ?> recognizer, Object offendingSymbol, int line, int col,
                                    String msg, RecognitionException e) {
                errors.add(new Diagnostic(new Pos(path, line, col + 1), "syntax error: " + msg));
            }
        };
        HvmLexer lexer = new HvmLexer(CharStreams.fromString(text, path));
        lexer.removeErrorListeners();
        lexer.addErrorListener(listener);
        HvmParser parser = new HvmParser(new CommonTokenStream(lexer));
        parser.removeErrorListeners();
        parser.addErrorListener(listener);
        HvmParser.SpecFileContext tree = parser.specFile();
        // The lexer's catch-all token turns stray characters into syntax errors reported by the parser.
        if (!errors.isEmpty()) {
            throw new SpecException(errors);
        }
        try {
            return new Builder(path, errors).file(tree);
        } catch (RuntimeException e) {
            // A tree the parser recovered from can still be incomplete; report it rather than crash.
            if (errors.isEmpty()) {
                errors.add(new Diagnostic(new Pos(path, 1, 1), "syntax error: incomplete input"));
            }
            throw new SpecException(errors);
        } finally {
            if (!errors.isEmpty()) {
                throw new SpecException(errors);
            }
        }
    }

    /** Walks the ANTLR tree and builds AST records. */
    private static final class Builder {
        private final String path;
        private final List<Diagnostic> errors;

        Builder(String path, List<Diagnostic> errors) {
            this.path = path;
            this.errors = errors;
        }

        Pos pos(Token t) {
            return new Pos(path, t.getLine(), t.getCharPositionInLine() + 1);
        }

        Pos pos(ParserRuleContext c) {
            return pos(c.getStart());
        }

        SpecFile file(HvmParser.SpecFileContext c) {
            List<SpecFile.Use> uses = new ArrayList<>();
            for (HvmParser.UseDeclContext u : c.useDecl()) {
                uses.add(new SpecFile.Use(pos(u), u.IDENT().getText()));
            }
            List<Decl> decls = new ArrayList<>();
            for (HvmParser.DeclarationContext d : c.declaration()) {
                decls.add(declaration(d));
            }
            if (c.header() instanceof HvmParser.DomainHeaderContext h) {
                return new SpecFile(path, false, unquote(h.STRING()), pos(h), uses, decls);
            }
            HvmParser.LibraryHeaderContext h = (HvmParser.LibraryHeaderContext) c.header();
            return new SpecFile(path, true, h.IDENT().getText(), pos(h), uses, decls);
        }

        Decl declaration(HvmParser.DeclarationContext c) {
            if (c.sdmDecl() != null) {
                var s = c.sdmDecl();
                return new Decl.Sdm(pos(s.IDENT().getSymbol()), s.IDENT().getText(), unquote(s.volume),
                        unquote(s.section), unquote(s.title));
            }
            if (c.flagDecl() != null) {
                var f = c.flagDecl();
                return new Decl.Flag(pos(f.name), unquote(f.name), unquote(f.description));
            }
            if (c.constDecl() != null) {
                var k = c.constDecl();
                return new Decl.Const(pos(k.IDENT().getSymbol()), k.IDENT().getText(), type(k.type()), expr(k.expr()));
            }
            if (c.enumDecl() != null) {
                var e = c.enumDecl();
                List<Decl.EnumItem> items = new ArrayList<>();
                for (var item : e.enumItem()) {
                    String name = item.IDENT().getText();
                    items.add(new Decl.EnumItem(pos(item), name, item.STRING() == null ? name : unquote(item.STRING())));
                }
                return new Decl.Enum(pos(e.IDENT().getSymbol()), e.IDENT().getText(), items);
            }
            if (c.layoutDecl() != null) {
                var l = c.layoutDecl();
                List<Decl.Field> fields = new ArrayList<>();
                for (var f : l.layoutField()) {
                    int hi = smallInt(f.hi);
                    int lo = f.lo == null ? hi : smallInt(f.lo);
                    fields.add(new Decl.Field(pos(f), f.IDENT().getText(), hi, lo));
                }
                return new Decl.Layout(pos(l.IDENT().getSymbol()), l.IDENT().getText(), smallInt(l.INT().getSymbol()), fields);
            }
            if (c.recordDecl() != null) {
                var r = c.recordDecl();
                return new Decl.Record(pos(r.IDENT().getSymbol()), r.IDENT().getText(), members(r.member()));
            }
            if (c.inputDecl() != null) {
                return new Decl.Input(pos(c.inputDecl()), members(c.inputDecl().member()));
            }
            if (c.outcomeDecl() != null) {
                var o = c.outcomeDecl();
                return new Decl.Outcome(pos(o.IDENT().getSymbol()), o.IDENT().getText(), unquote(o.STRING()), members(o.member()));
            }
            if (c.funcDecl() != null) {
                var f = c.funcDecl();
                List<Decl.Param> params = new ArrayList<>();
                for (var p : f.param()) {
                    params.add(new Decl.Param(pos(p), p.IDENT().getText(), type(p.type())));
                }
                Optional<Type> result = f.type() == null ? Optional.empty() : Optional.of(type(f.type()));
                return new Decl.Func(pos(f.IDENT().getSymbol()), f.IDENT().getText(), params, result, block(f.block()));
            }
            var e = c.evaluateDecl();
            return new Decl.Evaluate(pos(e), block(e.block()));
        }

        List<Decl.Member> members(List<HvmParser.MemberContext> cs) {
            List<Decl.Member> out = new ArrayList<>();
            for (var m : cs) {
                out.add(new Decl.Member(pos(m), m.IDENT().getText(), type(m.type()), m.OPTIONAL() != null));
            }
            return out;
        }

        Type type(HvmParser.TypeContext c) {
            if (c instanceof HvmParser.BitsTypeContext b) return new Type.Bits(smallInt(b.INT().getSymbol()));
            if (c instanceof HvmParser.BoolTypeContext) return new Type.Bool();
            if (c instanceof HvmParser.IntTypeContext i) {
                if (i.min == null) return Type.Int.ANY;
                return new Type.Int(signed(i.min), signed(i.max));
            }
            if (c instanceof HvmParser.MemoryTypeContext) return new Type.PhysicalMemory();
            if (c instanceof HvmParser.BytesTypeContext b) return new Type.Bytes(smallInt(b.INT().getSymbol()));
            var n = (HvmParser.NamedTypeContext) c;
            return new Type.Named(n.IDENT().getText(), pos(n));
        }

        long signed(HvmParser.SignedIntContext c) {
            BigInteger v = literal(c.INT().getSymbol());
            if (c.getChildCount() > 1) v = v.negate();
            if (v.bitLength() > 63) {
                errors.add(new Diagnostic(pos(c), "integer bound out of range: " + c.getText()));
                return 0;
            }
            return v.longValue();
        }

        Stmt.Block block(HvmParser.BlockContext c) {
            List<Stmt> out = new ArrayList<>();
            for (var s : c.statement()) {
                out.add(statement(s));
            }
            return new Stmt.Block(pos(c), out);
        }

        Stmt statement(HvmParser.StatementContext c) {
            if (c instanceof HvmParser.LetStmtContext l) {
                Optional<Type> t = l.type() == null ? Optional.empty() : Optional.of(type(l.type()));
                return new Stmt.Let(pos(l), l.IDENT().getText(), t, expr(l.expr()), l.kind.getText().equals("var"));
            }
            if (c instanceof HvmParser.AssignStmtContext a) {
                return new Stmt.Assign(pos(a), a.IDENT().getText(), expr(a.expr()));
            }
            if (c instanceof HvmParser.StoreStmtContext s) {
                return new Stmt.Store(pos(s), s.IDENT().getText(), expr(s.index), expr(s.value));
            }
            if (c instanceof HvmParser.IfStmtContext i) {
                return ifStatement(i.ifStatement());
            }
            if (c instanceof HvmParser.ForStmtContext f) {
                return new Stmt.For(pos(f), f.IDENT().getText(), expr(f.from), expr(f.to), f.dir.getText().equals("downto"),
                        block(f.block()));
            }
            if (c instanceof HvmParser.ReturnStmtContext r) {
                return new Stmt.Return(pos(r), expr(r.expr()));
            }
            if (c instanceof HvmParser.FinishStmtContext f) {
                List<Expr> outcomes = new ArrayList<>();
                for (var e : f.expr()) outcomes.add(expr(e));
                Optional<String> flag = f.STRING() == null ? Optional.empty() : Optional.of(unquote(f.STRING()));
                return new Stmt.Finish(pos(f), outcomes, flag);
            }
            if (c instanceof HvmParser.AllowStmtContext a) {
                return new Stmt.Allow(pos(a), expr(a.expr()), unquote(a.STRING()));
            }
            if (c instanceof HvmParser.RuleStmtContext r) {
                Optional<Stmt.Block> otherwise = r.otherwise == null ? Optional.empty() : Optional.of(block(r.otherwise));
                return new Stmt.Rule(pos(r.id), r.id.getText(), r.sdm.getText(), pos(r.sdm),
                        unquote(r.summary), expr(r.expr()), block(r.then), otherwise, false);
            }
            if (c instanceof HvmParser.CheckStmtContext k) {
                Stmt.Block empty = new Stmt.Block(pos(k), List.of());
                return new Stmt.Rule(pos(k.id), k.id.getText(), k.sdm.getText(), pos(k.sdm),
                        unquote(k.summary), expr(k.expr()), empty, Optional.of(block(k.otherwise)), true);
            }
            var e = (HvmParser.ExprStmtContext) c;
            return new Stmt.ExprStmt(pos(e), expr(e.expr()));
        }

        Stmt.If ifStatement(HvmParser.IfStatementContext c) {
            Optional<Stmt.Block> otherwise = Optional.empty();
            if (c.ifStatement() != null) {
                Stmt.If nested = ifStatement(c.ifStatement());
                otherwise = Optional.of(new Stmt.Block(nested.pos(), List.of(nested)));
            } else if (c.block().size() > 1) {
                otherwise = Optional.of(block(c.block(1)));
            }
            return new Stmt.If(pos(c), expr(c.expr()), block(c.block(0)), otherwise);
        }

        Expr expr(HvmParser.ExprContext c) {
            Pos p = pos(c);
            if (c instanceof HvmParser.IntLitContext i) {
                return new Expr.IntLit(p, literal(i.INT().getSymbol()), i.getText());
            }
            if (c instanceof HvmParser.BoolLitContext b) return new Expr.BoolLit(p, b.getText().equals("true"));
            if (c instanceof HvmParser.CallContext call) {
                List<Expr.Arg> args = new ArrayList<>();
                for (var a : call.arg()) {
                    Optional<String> name = a.IDENT() == null ? Optional.empty() : Optional.of(a.IDENT().getText());
                    args.add(new Expr.Arg(pos(a), name, expr(a.expr())));
                }
                return new Expr.Call(p, call.IDENT().getText(), args);
            }
            if (c instanceof HvmParser.NameContext n) return new Expr.Name(p, n.IDENT().getText());
            if (c instanceof HvmParser.ParenContext par) return expr(par.expr());
            if (c instanceof HvmParser.MemberAccessContext m) {
                return new Expr.Member(pos(m.IDENT().getSymbol()), expr(m.expr()), m.IDENT().getText());
            }
            if (c instanceof HvmParser.SliceContext s) {
                return new Expr.Slice(pos(s.hi), expr(s.expr(0)), expr(s.hi), expr(s.lo));
            }
            if (c instanceof HvmParser.IndexContext i) {
                return new Expr.Index(pos(i.index), expr(i.expr(0)), expr(i.index));
            }
            if (c instanceof HvmParser.UnaryContext u) return new Expr.Unary(p, u.op.getText(), expr(u.expr()));
            if (c instanceof HvmParser.BinaryContext b) {
                return new Expr.Binary(pos(b.op), b.op.getText(), expr(b.expr(0)), expr(b.expr(1)));
            }
            var k = (HvmParser.ConditionalContext) c;
            return new Expr.Conditional(p, expr(k.cond), expr(k.a), expr(k.b));
        }

        int smallInt(Token t) {
            BigInteger v = literal(t);
            if (v.bitLength() > 31) {
                errors.add(new Diagnostic(pos(t), "number too large here: " + t.getText()));
                return 0;
            }
            return v.intValue();
        }

        BigInteger literal(Token t) {
            String s = t.getText().replace("_", "");
            if (s.startsWith("0x")) return new BigInteger(s.substring(2), 16);
            if (s.startsWith("0b")) return new BigInteger(s.substring(2), 2);
            return new BigInteger(s);
        }

        String unquote(TerminalNode n) {
            return unquote(n.getSymbol());
        }

        String unquote(Token t) {
            String s = t.getText();
            StringBuilder out = new StringBuilder(s.length());
            // One left-to-right pass, so that an escaped backslash is never read as the start of another escape.
            for (int i = 1; i < s.length() - 1; i++) {
                char c = s.charAt(i);
                if (c == '\\' && i + 1 < s.length() - 1) {
                    char n = s.charAt(++i);
                    out.append(n == 'n' ? '\n' : n == 't' ? '\t' : n);
                } else {
                    out.append(c);
                }
            }
            return out.toString();
        }
    }
}
