package dev.lowbit.eval;

/**
 * The verdict on one output.
 *
 * @param correct   whether the output counts as solved
 * @param extracted what was extracted from the output (answer, letter, or a code summary)
 * @param goldShown the gold as the scorer saw it (extracted gold, letter, "N tests")
 * @param note      free-form detail (e.g. which test failed); may be empty
 */
public record Judgement(boolean correct, String extracted, String goldShown, String note) {
    public Judgement {
        extracted = extracted == null ? "" : extracted;
        goldShown = goldShown == null ? "" : goldShown;
        note = note == null ? "" : note;
    }

    public static Judgement of(boolean correct, String extracted, String gold) {
        return new Judgement(correct, extracted, gold, "");
    }
}
