using ScraperSky.Pipeline.Testing;

namespace ScraperSky.Pipeline.Tests.Testing;

/// <summary>
/// Finding PostgreSQL's server programs, and installing them only when the caller opted in. The machine's own PATH,
/// pg_config and apt-get stay out of it: the locator looks in folders of the test's own, and "apt-get" is a small shell
/// script that records how it was called.
/// </summary>
public sealed class PostgresLocatorTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("scrapersky-locator-").FullName;

    private string EmptyPath => Directory.CreateDirectory(Path.Combine(_root, "path")).FullName;

    private string DebianRoot => Path.Combine(_root, "usr-lib-postgresql");

    private string AptLog => Path.Combine(_root, "apt-get.log");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task ResolveAsync_MissingWithDefaultOptions_ThrowsNamingThePackageAndTheOptInWithoutInstalling()
    {
        var locator = Locator(FakeAptGet(installs: true), isRoot: true);

        var resolve = () => locator.ResolveAsync(new ThrowawayPostgresOptions(), CancellationToken.None);

        var thrown = await resolve.Should().ThrowAsync<PostgresNotInstalledException>();
        thrown.Which.Message.Should()
            .Contain("apt-get install -y postgresql")
            .And.Contain("ThrowawayPostgresOptions.InstallServerIfMissing = true")
            .And.Contain("InstallServerIfMissing is false")
            .And.Contain(DebianRoot);
        File.Exists(AptLog).Should().BeFalse("nothing is installed unless the caller opted in");
    }

    [Fact]
    public async Task ResolveAsync_MissingAndOptedIn_InstallsWithAptGetAndUsesWhatItInstalled()
    {
        var locator = Locator(FakeAptGet(installs: true), isRoot: true);

        var binDirectory = await locator.ResolveAsync(new ThrowawayPostgresOptions { InstallServerIfMissing = true }, CancellationToken.None);

        binDirectory.Should().Be(Path.Combine(DebianRoot, "15", "bin"));
        File.ReadAllLines(AptLog).Should().Equal(
            "update -o DPkg::Lock::Timeout=300",
            "install -y -o DPkg::Lock::Timeout=300 postgresql");
    }

    [Fact]
    public async Task ResolveAsync_OptedInWhenAptGetFails_ThrowsWithItsOutput()
    {
        var locator = Locator(FakeAptGet(installs: false), isRoot: true);

        var resolve = () => locator.ResolveAsync(new ThrowawayPostgresOptions { InstallServerIfMissing = true }, CancellationToken.None);

        var thrown = await resolve.Should().ThrowAsync<PostgresNotInstalledException>();
        thrown.Which.Message.Should().Contain("Installing it automatically failed").And.Contain("apt-get install -y postgresql");
        thrown.Which.InnerException!.Message.Should().Contain("no such package");
    }

    [Fact]
    public async Task ResolveAsync_OptedInWithoutRoot_ThrowsSayingRootIsNeededWithoutInstalling()
    {
        var locator = Locator(FakeAptGet(installs: true), isRoot: false);

        var resolve = () => locator.ResolveAsync(new ThrowawayPostgresOptions { InstallServerIfMissing = true }, CancellationToken.None);

        (await resolve.Should().ThrowAsync<PostgresNotInstalledException>()).Which.Message.Should().Contain("needs root");
        File.Exists(AptLog).Should().BeFalse();
    }

    [Fact]
    public async Task ResolveAsync_BinDirectoryWithoutTools_ThrowsNamingTheFolder()
    {
        var locator = Locator(FakeAptGet(installs: true), isRoot: true);
        var options = new ThrowawayPostgresOptions { BinDirectory = EmptyPath, InstallServerIfMissing = true };

        var resolve = () => locator.ResolveAsync(options, CancellationToken.None);

        (await resolve.Should().ThrowAsync<PostgresNotInstalledException>()).Which.Message.Should().Contain($"BinDirectory is {EmptyPath}");
        File.Exists(AptLog).Should().BeFalse();
    }

    [Fact]
    public void Find_SeveralDebianVersions_PicksTheHighestWithServerTools()
    {
        FakeServerTools(Path.Combine(DebianRoot, "9.6", "bin"));
        FakeServerTools(Path.Combine(DebianRoot, "15", "bin"));
        Directory.CreateDirectory(Path.Combine(DebianRoot, "16", "bin")); // client only: no initdb, no pg_ctl
        var locator = Locator(FakeAptGet(installs: true), isRoot: true);

        locator.Find().Should().Be(Path.Combine(DebianRoot, "15", "bin"));
    }

    [Fact]
    public void Options_ByDefault_DoNotInstall()
    {
        new ThrowawayPostgresOptions().InstallServerIfMissing.Should().BeFalse();
    }

    private PostgresLocator Locator(string aptGet, bool isRoot) =>
        new([EmptyPath], pgConfig: null, DebianRoot, new PostgresInstaller(aptGet, isRoot));

    /// <summary>A stand-in for apt-get: logs its arguments; "install" lays out Debian's folder, or fails like a missing package.</summary>
    private string FakeAptGet(bool installs)
    {
        string bin = Path.Combine(DebianRoot, "15", "bin");
        string install = installs
            ? $"mkdir -p '{bin}' && for f in initdb pg_ctl; do printf '#!/bin/sh\\n' > '{bin}'/$f; chmod +x '{bin}'/$f; done"
            : "echo 'E: no such package' >&2; exit 100";
        return Executable(
            Path.Combine(_root, "apt-get"),
            $"#!/bin/sh\necho \"$*\" >> '{AptLog}'\nif [ \"$1\" = install ]; then {install}; fi\n");
    }

    private static void FakeServerTools(string bin)
    {
        Directory.CreateDirectory(bin);
        Executable(Path.Combine(bin, "initdb"), "#!/bin/sh\n");
        Executable(Path.Combine(bin, "pg_ctl"), "#!/bin/sh\n");
    }

    private static string Executable(string path, string script)
    {
        File.WriteAllText(path, script);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("ThrowawayPostgres runs PostgreSQL's Unix tools.");
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
