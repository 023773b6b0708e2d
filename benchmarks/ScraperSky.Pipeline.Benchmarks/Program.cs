using BenchmarkDotNet.Running;

// In-process hot-path benchmarks (BenchmarkDotNet). The database throughput harness arrives with its own entry point.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
