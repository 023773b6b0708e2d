using BenchmarkDotNet.Attributes;
using ScraperSky.Pipeline.Processing;

namespace ScraperSky.Pipeline.Benchmarks.Micro;

/// <summary>Allocations of collecting one batch's outcomes into the arrays of the batched outcome statement.</summary>
[MemoryDiagnoser]
public class OutcomeBatchBenchmarks
{
    [Params(10, 100, 1000)]
    public int BatchSize { get; set; }

    [Benchmark]
    public int CollectOutcomes()
    {
        var batch = new OutcomeBatch(new long[BatchSize]);
        for (var i = 0; i < BatchSize; i++)
        {
            batch.Add((long)i, i % 10 == 0 ? ItemResult.Failed("failed") : ItemResult.Completed);
        }

        return batch.ToParameters().Length;
    }
}
