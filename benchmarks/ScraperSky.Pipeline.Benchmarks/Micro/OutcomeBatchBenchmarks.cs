using BenchmarkDotNet.Attributes;
using ScraperSky.Pipeline.Claiming;
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
            if (i % 10 == 0)
            {
                batch.Add((long)i, WorkflowSql.ErrorKind, "failed");
            }
            else
            {
                batch.Add((long)i, WorkflowSql.CompletedKind);
            }
        }

        return batch.ToParameters().Length;
    }
}
