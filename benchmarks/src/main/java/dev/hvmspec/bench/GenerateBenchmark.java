package dev.hvmspec.bench;

import dev.hvmspec.dsl.SpecLoader;
import dev.hvmspec.generator.vectors.VectorSet;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Lint (parse and check spec/) and generation of every vector, in memory (files are not written): seconds per run.
 * {@code lint} alone and {@code lintAndGenerate} separate the two parts.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(1)
public class GenerateBenchmark {

    private Path spec;

    @Setup
    public void setup() {
        spec = Project.root().resolve("spec");
    }

    @Benchmark
    public SpecLoader.Loaded lint() throws Exception {
        return SpecLoader.load(List.of(spec));
    }

    @Benchmark
    public VectorSet lintAndGenerate() throws Exception {
        SpecLoader.Loaded loaded = SpecLoader.load(List.of(spec));
        VectorSet set = VectorSet.generate(loaded.domains(), VectorSet.DEFAULT_SEED);
        return set;
    }
}
