package dev.lowbit.eval.testbed;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The testbed task family: GSM8K-shaped word problems (someone has some items, on each of a few
 * days an event adds, removes or multiplies them, how many are left) whose worked solutions restate
 * each day's event and then work it out in column arithmetic, ending in {@code \boxed{answer}}.
 * Five difficulty levels differ in the number of events and of digits, so the hardest needs
 * hundreds of reasoning tokens.
 *
 * <p>Every problem belongs to one split, decided by a hash of its question text, so training and
 * test problems are disjoint whatever seeds draw them. Draws are deterministic in (seed, level).
 */
public final class TestbedGenerator {
    /** which problems a draw keeps */
    public enum Split { TRAIN, TEST }

    /** one difficulty level: events per problem, at most how many multiply, and the number ranges */
    record Level(int events, int maxMultiplies, long startMin, long startMax, long operandMin, long operandMax) {}

    static final List<Level> LEVELS = List.of(
            new Level(1, 0, 10, 99, 2, 99),
            new Level(2, 0, 10, 99, 2, 99),
            new Level(3, 1, 10, 999, 2, 99),
            new Level(4, 1, 100, 999, 10, 999),
            new Level(5, 2, 100, 999, 10, 999));

    public static final int MAX_LEVEL = LEVELS.size();

    /** one in this many problems (by question hash) is a test problem */
    static final int TEST_ONE_IN = 5;

    private static final String[][] PEOPLE = {
            {"Mia", "She", "her"}, {"Leo", "He", "him"}, {"Ava", "She", "her"}, {"Noah", "He", "him"},
            {"Emma", "She", "her"}, {"Liam", "He", "him"}, {"Zoe", "She", "her"}, {"Owen", "He", "him"},
            {"Lily", "She", "her"}, {"Max", "He", "him"}, {"Ruby", "She", "her"}, {"Sam", "He", "him"},
            {"Nora", "She", "her"}, {"Jack", "He", "him"}, {"Ella", "She", "her"}, {"Ben", "He", "him"}};
    private static final String[] ITEMS = {"marbles", "apples", "stickers", "coins", "books", "pencils", "cards", "shells",
            "stamps", "cookies", "beads", "toys", "rocks", "eggs", "buttons", "candies"};
    private static final String[] DAYS = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"};
    private static final String[] CONTAINERS = {"boxes", "bags", "packs", "jars", "baskets", "crates"};

    private TestbedGenerator() {}

    /**
     * The first {@code count} problems of one level and split under a seed. The same arguments
     * always give the same problems; different seeds give (almost always) different ones.
     */
    public static List<TestbedProblem> draw(long seed, int level, Split split, int count) {
        if (level < 1 || level > MAX_LEVEL) throw new IllegalArgumentException("testbed level " + level + " is not in 1.." + MAX_LEVEL);
        SplittableRandom rnd = new SplittableRandom(seed * 1_000_003L + level);
        List<TestbedProblem> out = new ArrayList<>(count);
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (out.size() < count) {
            TestbedProblem p = make(level, rnd);
            if (splitOf(p.question()) == split && seen.add(p.question())) out.add(p);
        }
        return out;
    }

    /** the split a question belongs to */
    public static Split splitOf(String question) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(question.getBytes(StandardCharsets.UTF_8));
            int v = ((h[0] & 0xff) << 8) | (h[1] & 0xff);
            return v % TEST_ONE_IN == 0 ? Split.TEST : Split.TRAIN;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static TestbedProblem make(int level, SplittableRandom rnd) {
        Level spec = LEVELS.get(level - 1);
        String[] who = PEOPLE[rnd.nextInt(PEOPLE.length)];
        String[] friend;
        do friend = PEOPLE[rnd.nextInt(PEOPLE.length)]; while (friend == who);
        String items = ITEMS[rnd.nextInt(ITEMS.length)];
        String she = who[1].toLowerCase(java.util.Locale.ROOT);
        long total = uniform(rnd, spec.startMin(), spec.startMax());
        StringBuilder q = new StringBuilder();
        StringBuilder cot = new StringBuilder();
        q.append(who[0]).append(" has ").append(total).append(' ').append(items).append('.');
        cot.append(who[0]).append(" starts with ").append(total).append(".\n");
        int multiplies = 0;
        long limit = DigitArithmetic.limit() / 10;   // totals stay below 10000: four named columns
        for (int e = 0; e < spec.events(); e++) {
            // each event is keyed by its day and restated verbatim in the chain of thought: finding
            // the k-th event is then a copy after "On <day>," rather than counting sentences
            String event;
            boolean multiply = multiplies < spec.maxMultiplies() && rnd.nextInt(3) == 0;
            if (multiply) {
                int k = 2 + rnd.nextInt(8);
                long each = uniform(rnd, 2, Math.min(spec.operandMax(), 99));
                if (total + each * k <= limit) {
                    multiplies++;
                    String box = CONTAINERS[rnd.nextInt(CONTAINERS.length)];
                    event = "On " + DAYS[e] + ", " + she + " buys " + k + ' ' + box + " with " + each + ' ' + items + " in each.";
                    q.append(' ').append(event);
                    // the running total is restated on both sides of the column multiplication: copying it
                    // from before that block (past the product's own "So a*b=c.") was the model's main error
                    cot.append('\n').append(event).append(" So multiply ").append(each).append(" by ").append(k)
                            .append(" and add the product to ").append(total).append(".\n");
                    long product = Long.parseLong(DigitArithmetic.multiply(each, k, cot));
                    cot.append("Then add ").append(product).append(" to ").append(total).append(".\n");
                    total = Long.parseLong(DigitArithmetic.add(total, product, cot));
                    continue;
                }
            }
            long n = uniform(rnd, spec.operandMin(), spec.operandMax());
            boolean canAdd = total + n <= limit, canSub = n <= total;
            boolean add = canAdd && (!canSub || rnd.nextBoolean());
            if (!add && !canSub) {                       // neither fits: a smaller operand always does
                n = uniform(rnd, 1, Math.max(1, total));
            }
            String day = "On " + DAYS[e] + ", ";
            if (add) {
                event = day + switch (rnd.nextInt(3)) {
                    case 0 -> she + " finds " + n + " more " + items + '.';
                    case 1 -> friend[0] + " gives " + who[2] + ' ' + n + ' ' + items + '.';
                    default -> she + " buys " + n + " more " + items + '.';
                };
            } else {
                event = day + switch (rnd.nextInt(3)) {
                    case 0 -> she + " gives " + n + ' ' + items + " to " + friend[0] + '.';
                    case 1 -> she + " loses " + n + ' ' + items + '.';
                    default -> she + " sells " + n + ' ' + items + '.';
                };
            }
            q.append(' ').append(event);
            cot.append('\n').append(event).append(add ? " So add " : " So subtract ").append(n).append(".\n");
            total = Long.parseLong(add ? DigitArithmetic.add(total, n, cot) : DigitArithmetic.subtract(total, n, cot));
        }
        q.append(" How many ").append(items).append(" does ").append(who[0]).append(" have now?");
        cot.append("\nSo the total is ").append(total).append(".\n</think>\n\n")
                .append("The answer is \\boxed{").append(total).append("}.");
        return new TestbedProblem(level, q.toString(), cot.toString(), total);
    }

    private static long uniform(SplittableRandom rnd, long lo, long hi) {
        return lo + rnd.nextLong(hi - lo + 1);
    }
}
