using ScraperSky.SampleHost.Hosting;

namespace ScraperSky.SampleHost.Tests.Hosting;

public sealed class SampleHostOptionsTests
{
    [Fact]
    public void Parse_SampleSwitches_AreTakenAndTheRestLeftForTheHost()
    {
        var options = SampleHostOptions.Parse(["--demo", "--exit-when-drained", "--domains", "a.com, b.com", "--drain-timeout=90", "--urls", "http://127.0.0.1:0"]);

        options.Demo.Should().BeTrue();
        options.ExitWhenDrained.Should().BeTrue();
        options.Domains.Should().Equal("a.com", "b.com");
        options.DrainTimeout.Should().Be(TimeSpan.FromSeconds(90));
        options.HostArguments.Should().Equal("--urls", "http://127.0.0.1:0");
        options.SeedsDemo.Should().BeTrue();
    }

    [Fact]
    public void Parse_DomainsWithoutDemo_SeedsOnlyThoseDomains()
        => SampleHostOptions.Parse(["--domains=a.com"]).SeedsDemo.Should().BeFalse();

    [Fact]
    public void Parse_Service_SeedsNothing()
    {
        var options = SampleHostOptions.Parse(["--service", "--urls", "http://0.0.0.0:8080"]);

        options.Service.Should().BeTrue();
        options.SeedsDemo.Should().BeFalse();
        options.HostArguments.Should().Equal("--urls", "http://0.0.0.0:8080");
    }

    [Theory]
    [InlineData("--domains")]
    [InlineData("--drain-timeout=soon")]
    [InlineData("--service", "--demo")]
    [InlineData("--service", "--exit-when-drained")]
    public void Parse_MissingOrMalformedValueOrClashingSwitches_Throws(params string[] arguments)
        => FluentActions.Invoking(() => SampleHostOptions.Parse(arguments)).Should().Throw<ArgumentException>();
}
