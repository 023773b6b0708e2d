using BenchmarkDotNet.Running;
using ScraperSky.Pipeline.Benchmarks.Suite;

// One entry point:
//   dotnet run -c Release --project benchmarks/ScraperSky.Pipeline.Benchmarks -- [--quick] [--only drain,latency,...] [--out DIR]
//     the whole suite against a throwaway PostgreSQL (or SCRAPERSKY_PG_CONNECTION), results under benchmarks/results/;
//   dotnet run -c Release --project benchmarks/ScraperSky.Pipeline.Benchmarks -- micro [BenchmarkDotNet arguments]
//     the in-process MemoryDiagnoser benchmarks with BenchmarkDotNet's own command line and default job.
if (args.Length > 0 && args[0] == "micro")
{
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..]);
    return 0;
}

var profile = BenchProfile.Full;
IReadOnlySet<string> sections = new HashSet<string>(SuiteRunner.AllSections, StringComparer.Ordinal);
string? output = null;
HashSet<int>? batches = null;
int? repeat = null;
HashSet<string>? systems = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--quick":
            profile = BenchProfile.Quick;
            break;
        case "--only" when i + 1 < args.Length:
            sections = new HashSet<string>(args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal);
            break;
        case "--out" when i + 1 < args.Length:
            output = args[++i];
            break;
        case "--batch" when i + 1 < args.Length && TryParseList(args[i + 1], out var sizes):
            i++;
            batches = sizes;
            break;
        case "--systems" when i + 1 < args.Length:
            systems = new HashSet<string>(args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal);
            break;
        case "--repeat" when i + 1 < args.Length && int.TryParse(args[i + 1], out var times) && times > 0:
            i++;
            repeat = times;
            break;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: [--quick] [--only {string.Join(',', SuiteRunner.AllSections)}] [--batch 100,1000] [--repeat N] [--systems library-lease,...] [--out DIR] | micro [BenchmarkDotNet arguments]");
            return 2;
    }
}

// A focused run: only the drain cells of some batch sizes (the ablation only with the headline's), measured N times.
if (batches is not null)
{
    profile = profile with
    {
        DrainCombinations = [.. profile.DrainCombinations.Where(c => batches.Contains(c.BatchSize))],
        ProfileWorkers = batches.Contains(BenchProfile.HeadlineBatchSize) ? profile.ProfileWorkers : [],
    };
}

if (systems is not null)
{
    profile = profile with { DrainSystems = systems };
}

if (repeat is { } n)
{
    profile = profile with { DrainRepetitions = n, OtherRepetitions = n };
}

if (profile.DrainCombinations.Count == 0 && sections.Contains("drain"))
{
    Console.Error.WriteLine("--batch names no batch size of the drain matrix (1, 10, 100, 1000).");
    return 2;
}

var unknown = sections.Except(SuiteRunner.AllSections).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"Unknown section(s) {string.Join(", ", unknown)}; known: {string.Join(", ", SuiteRunner.AllSections)}.");
    return 2;
}

var command = "dotnet run -c Release --project benchmarks/ScraperSky.Pipeline.Benchmarks --" + (args.Length == 0 ? string.Empty : " " + string.Join(' ', args));
return await SuiteRunner.RunAsync(profile, sections, output ?? ResultsDirectory(), command);

static bool TryParseList(string text, out HashSet<int> values)
{
    values = [];
    foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
    {
        if (!int.TryParse(part, out var value) || value <= 0)
        {
            return false;
        }

        values.Add(value);
    }

    return values.Count > 0;
}

// benchmarks/results/ of the repository the program runs from (found from the working directory, then from the binary).
static string ResultsDirectory()
{
    foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ScraperSky.Pipeline.sln")))
            {
                return Path.Combine(directory.FullName, "benchmarks", "results");
            }
        }
    }

    return Path.Combine(Directory.GetCurrentDirectory(), "benchmarks", "results");
}
