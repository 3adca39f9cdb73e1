package dev.lowbit.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package structure the artifacts rely on (docs/ENGINE.md, "Modules"), checked over the main
 * classes of every module: no package cycles, and the engine's packages never reach into the
 * evaluation harness, the CLI or the calibrated methods (which ship in other artifacts).
 */
class PackageDependenciesTest {
    /** the packages of lowbit-engine (and lowbit-bindings), each with its subpackages */
    static final String[] ENGINE = {"dev.lowbit.api..", "dev.lowbit.bindings..", "dev.lowbit.catalogue..", "dev.lowbit.core..",
            "dev.lowbit.generate..", "dev.lowbit.gguf..", "dev.lowbit.model..", "dev.lowbit.quality..", "dev.lowbit.quant",
            "dev.lowbit.tokenizer..", "dev.lowbit.util.."};
    /** what an application that only runs models must not pull in */
    static final String[] NOT_ENGINE = {"dev.lowbit.eval..", "dev.lowbit.cli..", "dev.lowbit.bench..", "dev.lowbit.tools..",
            "dev.lowbit.quant.method.."};

    static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.lowbit");
    }

    @Test
    void packagesAreFreeOfCycles() {
        slices().matching("dev.lowbit.(**)").should().beFreeOfCycles()
                .check(classes);
    }

    @Test
    void theEngineDoesNotDependOnEvalCliOrCalibratedMethods() {
        noClasses().that().resideInAnyPackage(ENGINE).should().dependOnClassesThat().resideInAnyPackage(NOT_ENGINE).check(classes);
    }
}
