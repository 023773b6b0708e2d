using System.Diagnostics;
using System.Globalization;

namespace ScraperSky.Pipeline.Chaos;

/// <summary>
/// The worker processes of a run: starts them (this same program with the <c>worker</c> command), kills them with
/// SIGKILL, replaces them, and notices any that died by themselves. Each worker's output goes to a log file of its own.
/// </summary>
internal sealed class WorkerFleet : IDisposable
{
    private readonly Func<string, WorkerSettings> _settings;
    private readonly string _logDirectory;
    private readonly List<Worker> _running = [];
    private readonly object _gate = new();
    private int _started;

    public WorkerFleet(Func<string, WorkerSettings> settings, string logDirectory)
    {
        _settings = settings;
        _logDirectory = logDirectory;
        Directory.CreateDirectory(logDirectory);
    }

    /// <summary>Workers that exited without being killed by the harness: each one is a worker that did not survive a fault.</summary>
    public List<string> UnexpectedExits { get; } = [];

    public int Kills { get; private set; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _running.Count;
            }
        }
    }

    public void Start()
    {
        lock (_gate)
        {
            var name = "w" + Interlocked.Increment(ref _started).ToString(CultureInfo.InvariantCulture);
            var settings = _settings(name);
            var (file, prefix) = SelfCommand();
            var start = new ProcessStartInfo(file)
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var argument in prefix.Concat(settings.ToArguments()))
            {
                start.ArgumentList.Add(argument);
            }

            var log = new StreamWriter(Path.Combine(_logDirectory, name + ".log")) { AutoFlush = true };
            var process = new Process { StartInfo = start, EnableRaisingEvents = true };
            process.OutputDataReceived += (_, e) => Write(log, e.Data);
            process.ErrorDataReceived += (_, e) => Write(log, e.Data);
            process.Start();
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _running.Add(new Worker(name, process, log));
        }
    }

    /// <summary>Kills one random worker with SIGKILL (no handler of its own runs) and returns its name.</summary>
    public string? KillOne(Random random)
    {
        lock (_gate)
        {
            if (_running.Count == 0)
            {
                return null;
            }

            var victim = _running[random.Next(_running.Count)];
            _running.Remove(victim);
            Kill(victim);
            Kills++;
            return victim.Name;
        }
    }

    /// <summary>Stops every worker with SIGSTOP (the stall report's self-test: a fleet that hangs without exiting).</summary>
    public void FreezeAll()
    {
        lock (_gate)
        {
            foreach (var worker in _running)
            {
                using var stop = Process.Start("kill", ["-STOP", worker.Process.Id.ToString(CultureInfo.InvariantCulture)]);
                stop.WaitForExit();
            }
        }
    }

    /// <summary>Replaces workers that exited by themselves, recording each.</summary>
    public void ReplaceExited()
    {
        lock (_gate)
        {
            foreach (var worker in _running.Where(w => w.Process.HasExited).ToList())
            {
                _running.Remove(worker);
                UnexpectedExits.Add($"{worker.Name} exited by itself with code {worker.Process.ExitCode} (log: {Path.Combine(_logDirectory, worker.Name + ".log")})");
                worker.Dispose();
                Start();
            }
        }
    }

    /// <summary>Kills every worker: at the end of a run, and on Ctrl+C or any failure of the harness.</summary>
    public void KillAll()
    {
        lock (_gate)
        {
            foreach (var worker in _running)
            {
                Kill(worker);
            }

            _running.Clear();
        }
    }

    public void Dispose() => KillAll();

    private static void Kill(Worker worker)
    {
        try
        {
            // Process.Kill is SIGKILL on Linux: the worker gets no chance to clean up, as in a crash or an OOM kill.
            worker.Process.Kill();
            worker.Process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        worker.Dispose();
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // The worker was killed and its log closed while its last lines were still in flight.
            }
        }
    }

    /// <summary>How to start this program again: its app host, or <c>dotnet</c> with its assembly.</summary>
    private static (string File, string[] Prefix) SelfCommand()
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this program is unknown.");
        return Path.GetFileNameWithoutExtension(path) == "dotnet"
            ? (path, [typeof(WorkerFleet).Assembly.Location])
            : (path, []);
    }

    private sealed record Worker(string Name, Process Process, StreamWriter Log) : IDisposable
    {
        public void Dispose()
        {
            Process.Dispose();
            lock (Log)
            {
                Log.Dispose();
            }
        }
    }
}
