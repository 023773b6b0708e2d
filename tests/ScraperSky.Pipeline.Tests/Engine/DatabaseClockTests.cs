using Npgsql;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Engine;

/// <summary>
/// Issue 11 (finished work is never thrown away): leases and next-attempt times are set by the database clock
/// (<c>now()</c>), whatever <see cref="TimeProvider"/> the host registers, so every host — and the database — agree on
/// when a lease runs out. The host here runs a provider whose clock is a minute behind (its timers are real).
/// </summary>
public sealed class DatabaseClockTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(60);

    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Issue 11: a 30 s lease taken by a host whose clock is a minute slow still runs 30 s from the database's now.</summary>
    [Fact]
    public async Task Lease_HostClockAMinuteBehind_ExpiresAfterTheDatabasesNow()
    {
        await LeaseItems.InsertAsync(db, "clock");
        var script = new LeaseScript();
        var leaseAhead = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        script.Body = async (item, _, _) =>
        {
            leaseAhead.TrySetResult(await LeaseItems.BooleanAsync(db.ConnectionString, "SELECT lease_expires_at > now() FROM lease_items WHERE id = @id", item.Id));
            return ItemResult.Completed;
        };
        await using var host = await LeaseHost.StartAsync(db.ConnectionString, script, o => o.Lease.Duration = TimeSpan.FromSeconds(30), time: new ClockBehind(TimeSpan.FromSeconds(60)));

        (await leaseAhead.Task.WaitAsync(Ceiling)).Should().BeTrue("the lease runs from the database's now, not from the host's slow clock");
    }

    /// <summary>Issue 11: a retry in a minute, decided by a host whose clock is a minute slow, is due a minute after the database's now (not at once).</summary>
    [Fact]
    public async Task NextAttempt_HostClockAMinuteBehind_IsDueAfterTheDatabasesNow()
    {
        await LeaseItems.InsertAsync(db, "clock");
        var script = new LeaseScript();
        var decided = new TaskCompletionSource<DateTime>(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        script.Body = async (_, _, _) =>
        {
            if (Interlocked.Increment(ref calls) > 1)
            {
                return ItemResult.Completed;
            }

            // The database's time just before the outcome is decided: the outcome is written after it.
            await using var connection = new NpgsqlConnection(db.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT clock_timestamp()", connection);
            decided.TrySetResult((DateTime)(await command.ExecuteScalarAsync())!);
            return ItemResult.Retry("later", TimeSpan.FromMinutes(1));
        };
        await using var host = await LeaseHost.StartAsync(db.ConnectionString, script, _ => { }, time: new ClockBehind(TimeSpan.FromSeconds(60)));
        var before = await decided.Task.WaitAsync(Ceiling);

        (await Polling.UntilAsync(async () => await db.Database.ScalarAsync<bool>("SELECT status = 'Queued' AND next_attempt_at IS NOT NULL FROM lease_items WHERE id = 1"), Ceiling))
            .Should().BeTrue("the retry outcome is written; rows: {0}", await LeaseItems.DescribeAsync(db));

        await using var read = new NpgsqlConnection(db.ConnectionString);
        await read.OpenAsync();
        await using var due = new NpgsqlCommand("SELECT next_attempt_at > @before + interval '30 seconds' FROM lease_items WHERE id = 1", read);
        due.Parameters.AddWithValue("before", before);
        ((bool)(await due.ExecuteScalarAsync())!).Should().BeTrue("the retry is due a minute after the database's now, not after the host's slow clock");
    }

    /// <summary>The system clock set back by <paramref name="behind"/>; timers and timestamps stay the system's.</summary>
    private sealed class ClockBehind(TimeSpan behind) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() - behind;
    }
}
