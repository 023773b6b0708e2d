// The package smoke test's driver, built by run.sh in a folder outside the repository against the packed packages
// only. It checks each package's metadata, then runs the package README's hello workflow (built by run.sh from the
// README's code blocks) against a throwaway PostgreSQL and exits 0 only when every queued row ends Completed.
//
// Then it starts the dashboard package README's app on a free loopback port and exits 0 only when its pages, script and
// styles are served from inside the route group.
//
// Arguments: <package folder> <schema.sql> <queue.sql> <hello.dll> <dashboard.dll>
using System.Diagnostics;
using System.IO.Compression;
using System.Reflection.Metadata;
using System.Text;
using System.Xml.Linq;
using Npgsql;
using ScraperSky.Pipeline.Testing;

if (args.Length != 5)
{
    Console.Error.WriteLine("usage: SmokeDriver <package folder> <schema.sql> <queue.sql> <hello.dll> <dashboard.dll>");
    return 2;
}

var (feed, schemaSql, queueSql, helloDll, dashboardDll) = (args[0], args[1], args[2], args[3], args[4]);
var problems = new List<string>();
var packages = Directory.GetFiles(feed, "*.nupkg");
if (packages.Length == 0)
{
    problems.Add($"no .nupkg in {feed}");
}

foreach (var package in packages)
{
    problems.AddRange(PackageChecks.Check(package).Select(p => $"{Path.GetFileName(package)}: {p}"));
}

foreach (var problem in problems)
{
    Console.Error.WriteLine($"package smoke: {problem}");
}

if (problems.Count > 0)
{
    return 1;
}

Console.WriteLine($"package smoke: {packages.Length} packages carry the MIT licence, their README, repository and SourceLink information and a .snupkg");

await using var pg = await ThrowawayPostgres.StartAsync();
var connectionString = await pg.CreateDatabaseAsync();
await using (var connection = new NpgsqlConnection(connectionString))
{
    await connection.OpenAsync();
    await using var schema = new NpgsqlCommand(await File.ReadAllTextAsync(schemaSql), connection);
    await schema.ExecuteNonQueryAsync();
    await using var queue = new NpgsqlCommand(await File.ReadAllTextAsync(queueSql), connection);
    await queue.ExecuteNonQueryAsync();
}

var start = new ProcessStartInfo("dotnet", [helloDll]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
start.Environment["ConnectionStrings__App"] = connectionString;
start.Environment["DOTNET_ENVIRONMENT"] = "Production";
var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
using var hello = new Process { StartInfo = start, EnableRaisingEvents = true };
var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
hello.Exited += (_, _) => exited.TrySetResult();
hello.OutputDataReceived += (_, e) => output.Enqueue(e.Data ?? string.Empty);
hello.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? string.Empty);
hello.Start();
hello.BeginOutputReadLine();
hello.BeginErrorReadLine();

// A smoke test waits for an outside process through the database it writes: a bounded poll, not a timing assertion.
var ceiling = Stopwatch.StartNew();
(long Rows, long Completed, long Titled) counts = default;
while (ceiling.Elapsed < TimeSpan.FromMinutes(2) && !hello.HasExited)
{
    counts = await CountAsync(connectionString);
    if (counts.Rows > 0 && counts.Completed == counts.Rows)
    {
        break;
    }

    await Task.WhenAny(exited.Task, Task.Delay(TimeSpan.FromMilliseconds(200)));
}

var exitCode = await StopAsync(hello, exited.Task);
var passed = counts.Rows > 0 && counts.Completed == counts.Rows && counts.Titled == counts.Rows && exitCode == 0;
if (!passed)
{
    Console.WriteLine("package smoke: the hello host's output:");
    Console.WriteLine(string.Join(Environment.NewLine, output));
}

Console.WriteLine($"package smoke: {counts.Completed} of {counts.Rows} rows Completed ({counts.Titled} with their title); the hello host exited with {exitCode} on SIGTERM");
if (!passed)
{
    return 1;
}

var dashboard = await DashboardSmoke.RunAsync(dashboardDll, StopAsync);
Console.WriteLine($"package smoke: {dashboard}");
return dashboard.StartsWith("the dashboard app served", StringComparison.Ordinal) ? 0 : 1;

static async Task<(long Rows, long Completed, long Titled)> CountAsync(string connectionString)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(
        "SELECT count(*), count(*) FILTER (WHERE status = 'Completed'), count(*) FILTER (WHERE title = upper(name)) FROM domains",
        connection);
    await using var reader = await command.ExecuteReaderAsync();
    await reader.ReadAsync();
    return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
}

static async Task<int> StopAsync(Process process, Task exited)
{
    if (!process.HasExited)
    {
        // A graceful stop, as systemd or Kubernetes would ask for it.
        using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        if (await Task.WhenAny(exited, Task.Delay(TimeSpan.FromSeconds(30))) != exited)
        {
            process.Kill(entireProcessTree: true);
            return -1;
        }
    }

    await process.WaitForExitAsync();
    return process.ExitCode;
}

/// <summary>What a package must carry: licence, README, repository and SourceLink information, and its symbols.</summary>
internal static class PackageChecks
{
    private static readonly Guid SourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    public static IEnumerable<string> Check(string nupkg)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        var nuspecEntry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/'));
        using var nuspecStream = nuspecEntry.Open();
        var metadata = XDocument.Load(nuspecStream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string? Value(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;

        var license = metadata.Elements().SingleOrDefault(e => e.Name.LocalName == "license");
        if (license?.Attribute("type")?.Value != "expression" || license.Value != "MIT")
        {
            yield return "nuspec lacks <license type=\"expression\">MIT</license>";
        }

        if (zip.GetEntry("LICENSE") is null)
        {
            yield return "no LICENSE file";
        }

        var readme = Value("readme");
        if (readme is null || zip.GetEntry(readme) is not { Length: > 0 })
        {
            yield return $"nuspec names readme '{readme}' but the package has no such file";
        }

        var repository = metadata.Elements().SingleOrDefault(e => e.Name.LocalName == "repository");
        var url = repository?.Attribute("url")?.Value;
        var commit = repository?.Attribute("commit")?.Value;
        if (repository?.Attribute("type")?.Value != "git" || string.IsNullOrEmpty(url) || string.IsNullOrEmpty(commit))
        {
            yield return "nuspec lacks <repository type=\"git\" url=… commit=…>";
            yield break;
        }

        if (readme is not null && zip.GetEntry(readme) is { } readmeEntry)
        {
            using var reader = new StreamReader(readmeEntry.Open());
            var text = reader.ReadToEnd();
            var foreign = System.Text.RegularExpressions.Regex.Matches(text, @"https://github\.com/[^/\s)]+/[^/\s)]+")
                .Select(m => m.Value).Where(link => !link.Equals(url, StringComparison.OrdinalIgnoreCase)).Distinct().ToList();
            if (foreign.Count > 0)
            {
                yield return $"README links to {string.Join(", ", foreign)}, not the repository {url}";
            }
        }

        var snupkg = Path.ChangeExtension(nupkg, ".snupkg");
        if (!File.Exists(snupkg))
        {
            yield return $"no symbol package {Path.GetFileName(snupkg)}";
            yield break;
        }

        using var symbols = ZipFile.OpenRead(snupkg);
        var pdbs = symbols.Entries.Where(e => e.FullName.EndsWith(".pdb", StringComparison.Ordinal)).ToList();
        if (pdbs.Count == 0)
        {
            yield return "the .snupkg holds no PDB";
        }

        foreach (var pdb in pdbs)
        {
            var sourceLink = ReadSourceLink(pdb);
            var expected = url.Replace("https://github.com/", "https://raw.githubusercontent.com/", StringComparison.Ordinal) + "/" + commit + "/";
            if (sourceLink is null || !sourceLink.Contains(expected, StringComparison.Ordinal))
            {
                yield return $"{pdb.FullName}: source link {sourceLink ?? "(none)"} does not map to {expected}";
            }
        }
    }

    private static string? ReadSourceLink(ZipArchiveEntry pdb)
    {
        using var copy = new MemoryStream();
        using (var stream = pdb.Open())
        {
            stream.CopyTo(copy);
        }

        copy.Position = 0;
        using var provider = MetadataReaderProvider.FromPortablePdbStream(copy);
        var reader = provider.GetMetadataReader();
        foreach (var handle in reader.GetCustomDebugInformation(EntityHandle.ModuleDefinition))
        {
            var info = reader.GetCustomDebugInformation(handle);
            if (reader.GetGuid(info.Kind) == SourceLinkKind)
            {
                return Encoding.UTF8.GetString(reader.GetBlobBytes(info.Value));
            }
        }

        return null;
    }
}

/// <summary>The dashboard package's README app on a free loopback port: its overview, jobs page, styles and script.</summary>
internal static class DashboardSmoke
{
    public static async Task<string> RunAsync(string dll, Func<Process, Task, Task<int>> stop)
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var address = $"http://127.0.0.1:{port}";
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", address]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var app = new Process { StartInfo = start, EnableRaisingEvents = true };
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Exited += (_, _) => exited.TrySetResult();
        app.OutputDataReceived += (_, e) => output.Enqueue(e.Data ?? string.Empty);
        app.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? string.Empty);
        app.Start();
        app.BeginOutputReadLine();
        app.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(10) };
        var problems = new List<string>();
        string? overview = null;

        // A smoke test waits for an outside process to listen: a bounded poll, not a timing assertion.
        var ceiling = Stopwatch.StartNew();
        while (overview is null && ceiling.Elapsed < TimeSpan.FromMinutes(1) && !app.HasExited)
        {
            try
            {
                overview = await http.GetStringAsync("/pipeline/");
            }
            catch (HttpRequestException)
            {
                await Task.WhenAny(exited.Task, Task.Delay(TimeSpan.FromMilliseconds(200)));
            }
        }

        if (overview is null || !overview.Contains("<title>Overview", StringComparison.Ordinal) || !overview.Contains("data-job=\"nightly-report\"", StringComparison.Ordinal))
        {
            problems.Add("GET /pipeline/ did not answer the overview with the README's job");
        }
        else
        {
            foreach (var (path, expected) in new[] { ("/pipeline/jobs", "data-job=\"nightly-report\""), ("/pipeline/dashboard.css", "prefers-color-scheme"), ("/pipeline/dashboard.js", "EventSource") })
            {
                using var response = await http.GetAsync(path);
                var body = await response.Content.ReadAsStringAsync();
                if (!response.IsSuccessStatusCode || !body.Contains(expected, StringComparison.Ordinal))
                {
                    problems.Add($"GET {path} answered {(int)response.StatusCode} without '{expected}'");
                }
            }
        }

        var exitCode = await stop(app, exited.Task);
        if (problems.Count == 0 && exitCode == 0)
        {
            return $"the dashboard app served /pipeline/, /pipeline/jobs, its styles and its script on {address} and exited with 0 on SIGTERM";
        }

        return $"the dashboard app failed: {string.Join("; ", problems)} (exit code {exitCode}); its output:{Environment.NewLine}{string.Join(Environment.NewLine, output)}";
    }
}
