using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Configuration;

/// <summary>Lease-mode settings validated at start-up with messages naming the setting (issue 4).</summary>
public sealed class StatusWorkflowOptionsValidatorTests
{
    /// <summary>The lease keeper renews running items' leases, so an item may run longer than a lease (issue 11).</summary>
    [Fact]
    public void Validate_LeaseShorterThanItemTimeout_IsAccepted()
        => Messages(o => { o.Lease.Duration = TimeSpan.FromSeconds(30); o.ItemTimeout = TimeSpan.FromMinutes(1); }).Should().BeEmpty();

    /// <summary>A renewal interval the keeper cannot keep a lease alive with is refused at start-up (issue 11).</summary>
    [Fact]
    public void Validate_RenewalIntervalOverAThirdOfTheLease_FailsNamingBoth()
        => Messages(o => { o.Lease.Duration = TimeSpan.FromSeconds(30); o.Lease.RenewalInterval = TimeSpan.FromSeconds(11); })
            .Should().Contain(m => m.StartsWith("Status workflow 'work': Lease:RenewalInterval must be more than zero and at most a third of Lease:Duration (00:00:30)", StringComparison.Ordinal));

    [Fact]
    public void Validate_LeaseUnderOneSecond_FailsNamingLeaseDuration()
        => Messages(o => o.Lease.Duration = TimeSpan.FromMilliseconds(500))
            .Should().Contain(m => m.StartsWith("Status workflow 'work': Lease:Duration must be at least one second", StringComparison.Ordinal));

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Validate_MaxAttemptsNotPositive_FailsNamingMaxAttempts(int attempts)
        => Messages(o => o.Retry.MaxAttempts = attempts).Should().Contain($"Status workflow 'work': Retry:MaxAttempts must be at least 1 (was {attempts}).");

    [Fact]
    public void Validate_ParallelismZero_FailsNamingParallelism()
        => Messages(o => o.Parallelism = 0).Should().Contain(m => m.StartsWith("Status workflow 'work': Parallelism must be between 1 and 256", StringComparison.Ordinal));

    [Fact]
    public void Validate_LeaseModeWithoutLeaseColumns_FailsNamingTheCall()
    {
        var services = new ServiceCollection();
        services.AddStatusWorkflow<WorkItem, JobStatus>("work")
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .UseProcessor<ScriptedProcessor>()
            .Configure(o => o.Mode = ClaimMode.Lease);
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptionsMonitor<StatusWorkflowOptions>>().Get("work");

        act.Should().Throw<OptionsValidationException>().WithMessage("*Mode is Lease, but the workflow has no lease columns; call Lease(attempts, leaseExpiresAt, claimedBy)*");
    }

    [Fact]
    public void Validate_Defaults_AreValid()
        => Messages(_ => { }).Should().BeEmpty();

    private static IEnumerable<string> Messages(Action<StatusWorkflowOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddStatusWorkflow<LeaseItem, JobStatus>("work")
            .UseDbContext<LeaseWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .Lease(x => x.Attempts, x => x.LeaseExpiresAt, x => x.ClaimedBy)
            .UseProcessor<LeaseProcessor>()
            .Configure(o =>
            {
                o.Mode = ClaimMode.Lease;
                configure(o);
            });
        using var provider = services.BuildServiceProvider();
        try
        {
            provider.GetRequiredService<IOptionsMonitor<StatusWorkflowOptions>>().Get("work");
            return [];
        }
        catch (OptionsValidationException ex)
        {
            return ex.Failures;
        }
    }
}
