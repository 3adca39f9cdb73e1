package dev.lowbit.eval.score;

import org.matheclipse.core.eval.EvalEngine;
import org.matheclipse.core.eval.ExprEvaluator;
import org.matheclipse.core.interfaces.IAST;
import org.matheclipse.core.interfaces.IExpr;
import org.matheclipse.core.interfaces.INum;
import org.matheclipse.core.interfaces.IRational;

import java.io.OutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The computer-algebra side of the comparison, backed by Symja (matheclipse-core). Symja's
 * first use costs about a second (symbol tables), so it is initialised once, lazily; each
 * thread gets its own evaluator because Symja's engine is thread-bound.
 */
final class Cas {
    private static volatile boolean initialised;
    private static final Map<Thread, EvalEngine> ENGINES = Collections.synchronizedMap(new WeakHashMap<>());
    private static final PrintStream SILENT = new PrintStream(OutputStream.nullOutputStream());
    private static final ThreadLocal<ExprEvaluator> EVALUATOR = ThreadLocal.withInitial(() -> {
        init();
        ExprEvaluator ev = new ExprEvaluator();
        // Symja prints evaluation messages ("Plus: ...") on its own streams
        ev.getEvalEngine().setOutPrintStream(SILENT);
        ev.getEvalEngine().setErrorPrintStream(SILENT);
        ENGINES.put(Thread.currentThread(), ev.getEvalEngine());
        return ev;
    });

    private Cas() {}

    /** loads Symja (about a second, several under load); called before any timed comparison */
    static void init() {
        if (initialised) return;
        synchronized (Cas.class) {
            if (initialised) return;
            // Symja logs through log4j2; without a backend it complains once on stderr
            System.setProperty("log4j2.loggerContextFactory", "org.apache.logging.log4j.simple.SimpleLoggerContextFactory");
            System.setProperty("org.apache.logging.log4j.simplelog.StatusLogger.level", "OFF");
            System.setProperty("log4j2.simplelogLevel", "OFF");
            new ExprEvaluator().eval("1+1");
            initialised = true;
        }
    }

    static IExpr eval(String input) {
        ExprEvaluator ev = EVALUATOR.get();
        ev.getEvalEngine().setStopRequested(false);
        return ev.eval(input);
    }

    /** asks the Symja evaluation running on `worker` (one that ran past its limit) to stop */
    static void requestStop(Thread worker) {
        EvalEngine e = ENGINES.get(worker);
        if (e != null) e.stopRequest();
    }

    /** Simplify(a - b) is 0 (every entry 0 for matrices) */
    static boolean symbolicZero(String difference) {
        return isZero(eval("Simplify(" + difference + ")"));
    }

    /** the difference evaluates numerically to 0 (Chop(N(...))) */
    static boolean numericZero(String difference) {
        return isZero(eval("Chop(N(" + difference + "))"));
    }

    static boolean isZero(IExpr e) {
        if (e.isZero()) return true;
        if (e.isList()) {
            IAST list = (IAST) e;
            if (list.argSize() == 0) return false;
            for (int i = 1; i <= list.argSize(); i++) if (!isZero(list.get(i))) return false;
            return true;
        }
        return false;
    }

    /** the exact value of an expression that evaluates to a rational or real number, else null */
    static BigDecimal numberValue(String input) {
        IExpr e = eval(input);
        if (e instanceof IRational q) {
            BigDecimal num = new BigDecimal(q.numerator().toBigNumerator());
            BigDecimal den = new BigDecimal(q.denominator().toBigNumerator());
            return num.divide(den, MathContext.DECIMAL128);
        }
        if (e instanceof INum n) return BigDecimal.valueOf(n.doubleValue());
        return null;
    }

    /** the numeric value of an expression that evaluates to a real number; null otherwise (symbols, complex, infinite, undefined) */
    static Double realValue(String input) {
        IExpr e = eval("N(" + input + ")");
        if (e instanceof IRational q) return q.doubleValue();
        if (e instanceof INum n) return n.doubleValue();
        return null;
    }

    /** the difference is exactly 0 (a float equals only the number it spells); Simplify when it stays symbolic */
    static boolean exactZero(String difference) {
        IExpr e = eval(difference);
        if (e.isZero()) return true;
        if (e.isNumber()) return false;
        return eval("Simplify(" + difference + ")").isZero();
    }

    /** both sides evaluate to the same expression */
    static boolean sameValue(String a, String b) {
        return eval(a).equals(eval(b));
    }
}
