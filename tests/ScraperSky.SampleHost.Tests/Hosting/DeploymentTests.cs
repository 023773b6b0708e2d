using Microsoft.Extensions.Options;
using ScraperSky.Pipeline;
using ScraperSky.SampleHost.Hosting;
using ScraperSky.SampleHost.Tests.Infrastructure;
using ScraperSky.SampleHost.Workflows;

namespace ScraperSky.SampleHost.Tests.Hosting;

/// <summary>
/// What docs/deploying-the-sample-host.md promises: the wake-up connection setting reaches every workflow, and the
/// systemd unit is well formed and starts the publish output's entry in service mode.
/// </summary>
public sealed class DeploymentTests
{
    private static readonly string UnitPath = Path.Combine(RepositoryRoot(), "samples", "ScraperSky.SampleHost", "deploy", "scrapersky-samplehost.service");

    [Fact]
    public async Task WakeUpConnectionSetting_ReachesEveryWorkflow()
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync();
        var direct = connectionString + ";Application Name=direct-wakeup";
        var app = await SampleHostFixture.StartAsync(
            connectionString,
            new Dictionary<string, string?>(SampleHostFixture.Disabled([.. ScraperSkyWorkflows.WorkflowNames])) { [SampleApp.WakeUpConnectionKey] = direct });
        try
        {
            var options = app.Services.GetRequiredService<IOptionsMonitor<StatusWorkflowOptions>>();

            ScraperSkyWorkflows.WorkflowNames.Select(w => options.Get(w).WakeUp.ConnectionString).Should().OnlyContain(c => c == direct);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public void SystemdUnit_HasItsSectionsAndStartsThePublishedHostAsAService()
    {
        var unit = ParseUnit(File.ReadAllLines(UnitPath));

        unit.Keys.Should().Contain(["Unit", "Service", "Install"]);
        unit["Unit"].Should().ContainKey("Description");
        unit["Install"]["WantedBy"].Should().ContainSingle().Which.Should().Be("multi-user.target");
        var service = unit["Service"];
        var execStart = service["ExecStart"].Should().ContainSingle().Subject.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var workingDirectory = service["WorkingDirectory"].Single();

        // The publish output's entry is the app host named after the assembly, in the folder `dotnet publish -o` wrote.
        Path.GetFileName(execStart[0]).Should().Be(typeof(SampleApp).Assembly.GetName().Name);
        Path.GetDirectoryName(execStart[0]).Should().Be(workingDirectory);
        Path.IsPathRooted(execStart[0]).Should().BeTrue("systemd needs an absolute ExecStart");
        execStart.Should().Contain("--service");
        service["KillSignal"].Should().Equal("SIGTERM");
        int.Parse(service["TimeoutStopSec"].Single(), System.Globalization.CultureInfo.InvariantCulture).Should().BeGreaterThan(30, "longer than the host's own shutdown timeout");
        service["Environment"].Should().Contain(e => e.StartsWith("DOTNET_ENVIRONMENT=", StringComparison.Ordinal));
        service["EnvironmentFile"].Should().ContainSingle();
    }

    [Fact]
    public async Task SystemdUnit_PassesSystemdAnalyzeVerify_WhereAvailable()
    {
        var analyze = new[] { "/usr/bin/systemd-analyze", "/bin/systemd-analyze" }.FirstOrDefault(File.Exists);
        if (analyze is null || !OperatingSystem.IsLinux())
        {
            // Without systemd's tools the parse check above is the check; nothing more to run here.
            return;
        }

        // verify checks that ExecStart exists: point it at a stand-in executable at the same file name in a temporary folder.
        var folder = Directory.CreateTempSubdirectory("scrapersky-unit-");
        try
        {
            var entry = Path.Combine(folder.FullName, typeof(SampleApp).Assembly.GetName().Name!);
            await File.WriteAllTextAsync(entry, "#!/bin/sh\nexit 0\n");
            File.SetUnixFileMode(entry, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var unit = (await File.ReadAllTextAsync(UnitPath)).Replace("/opt/scrapersky-samplehost", folder.FullName, StringComparison.Ordinal);
            var unitFile = Path.Combine(folder.FullName, "scrapersky-samplehost.service");
            await File.WriteAllTextAsync(unitFile, unit);

            var start = new System.Diagnostics.ProcessStartInfo(analyze, ["verify", "--man=no", unitFile]) { RedirectStandardError = true, RedirectStandardOutput = true };
            using var process = System.Diagnostics.Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
            var messages = (await stdout + await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Where(line => line.Contains("scrapersky-samplehost.service", StringComparison.Ordinal))
                .ToList();

            messages.Should().BeEmpty("systemd-analyze verify reports nothing about the unit");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static Dictionary<string, Dictionary<string, List<string>>> ParseUnit(IEnumerable<string> lines)
    {
        var sections = new Dictionary<string, Dictionary<string, List<string>>>(StringComparer.Ordinal);
        Dictionary<string, List<string>>? current = null;
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[')
            {
                line.Should().EndWith("]");
                current = sections[line[1..^1]] = new Dictionary<string, List<string>>(StringComparer.Ordinal);
                continue;
            }

            current.Should().NotBeNull($"'{line}' must be inside a section");
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            equals.Should().BePositive($"'{line}' must be Key=Value");
            var key = line[..equals].Trim();
            if (!current!.TryGetValue(key, out var values))
            {
                current[key] = values = [];
            }

            values.Add(line[(equals + 1)..].Trim());
        }

        return sections;
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "ScraperSky.Pipeline.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"no ScraperSky.Pipeline.sln above {AppContext.BaseDirectory}");
    }
}
