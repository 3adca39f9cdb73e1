package dev.lowbit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.tokenizer.Tokenizer;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `lowbit tokenize`: token ids as a JSON array; special tokens in the text are parsed as special. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Print the token ids of a text as JSON.")
final class TokenizeCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, description = "GGUF path or catalogue name")
    String model;

    @Option(names = "--no-bos", description = "do not add the BOS token")
    boolean noBos;

    @Parameters(index = "0", description = "text to tokenize")
    String text;

    @Override
    public Integer call() throws Exception {
        try (GgufFile f = GgufFile.open(dev.lowbit.catalogue.ModelResolver.resolve(model))) {
            Tokenizer t = Tokenizer.fromGguf(f);
            boolean bos = !noBos && t.addBosByDefault();
            System.out.println(new ObjectMapper().writeValueAsString(t.encode(text, bos, true)));
        }
        return 0;
    }
}
