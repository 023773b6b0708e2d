using System.Runtime.InteropServices;
using ScraperSky.Pipeline.Chaos;

// The chaos harness. Without arguments: the full run; --quick: the CI run; --load: 200k rows, no faults; --slow: slow lease
// items waiting in lanes, and the thrown-away-work check.
// "worker …" is how the harness starts its worker processes (this same program).
if (args.Length > 0 && args[0] == "worker")
{
    return await WorkerApp.RunAsync(WorkerSettings.Parse(args[1..]));
}

ChaosSettings settings;
try
{
    settings = ChaosSettings.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

// Ctrl+C and SIGTERM end the run through cancellation, so that the workers are killed and PostgreSQL stopped.
using var cancel = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    cancel.Cancel();
}

using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
try
{
    return await new ChaosRun(settings, Console.Out).RunAsync(cancel.Token);
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.Error.WriteLine("chaos: interrupted; workers killed and PostgreSQL stopped.");
    return 130;
}
