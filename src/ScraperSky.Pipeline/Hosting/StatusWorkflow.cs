using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Definition;
using Microsoft.Extensions.Options;
using ScraperSky.Pipeline.Diagnostics;
using ScraperSky.Pipeline.Processing;
using ScraperSky.Pipeline.WakeUp;

namespace ScraperSky.Pipeline.Hosting;

/// <summary>
/// One registered workflow at run time: resolves its definition from the EF Core model at start-up, checks it
/// against the database once, then runs its loop when asked.
/// </summary>
internal abstract class StatusWorkflow : IDisposable
{
    protected StatusWorkflow(StatusWorkflowRegistration registration) => Registration = registration;

    public StatusWorkflowRegistration Registration { get; }

    public string Name => Registration.Name;

    /// <summary>Gets the resolved definition; available after <see cref="Resolve"/>.</summary>
    public abstract WorkflowDefinition Definition { get; }

    /// <summary>Resolves the definition from the model: no database needed; throws on misconfiguration.</summary>
    public abstract void Resolve();

    /// <summary>Checks the definition against the database; throws on a mismatch, or on an unreachable database.</summary>
    public abstract Task CheckSchemaAsync(CancellationToken cancellationToken);

    /// <summary>Whether <see cref="CheckSchemaAsync"/> has passed.</summary>
    public abstract bool SchemaChecked { get; }

    /// <inheritdoc />
    public virtual void Dispose()
    {
    }

    /// <summary>Runs the loop once: claim and process until empty, the batch limit or <paramref name="stopping"/>.</summary>
    /// <param name="options">The workflow's settings for this run.</param>
    /// <param name="jobId">The scheduler job id, passed to processors.</param>
    /// <param name="stopping">Signalled when no new batch or item should start.</param>
    /// <param name="abort">Signalled when work in flight must end now; passed to processors.</param>
    public abstract Task<WorkflowRunResult> RunAsync(StatusWorkflowOptions options, string jobId, CancellationToken stopping, CancellationToken abort);

    /// <summary>Gets the workflow's lease rescuer (lease columns only); available after <see cref="Resolve"/>.</summary>
    public abstract Maintenance.LeaseRescuer? Rescuer { get; }

    /// <summary>Gets the workflow's current settings.</summary>
    public abstract StatusWorkflowOptions Options { get; }
}

/// <summary>The typed runtime of a workflow over <typeparamref name="TEntity"/>.</summary>
internal sealed class StatusWorkflow<TEntity> : StatusWorkflow
    where TEntity : class
{
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IOptionsMonitor<StatusWorkflowOptions> _options;
    private readonly SqlClock? _sqlClock;
    private readonly PipelineTelemetry _telemetry;
    private WorkflowDefinition? _definition;
    private RunJobLoop<TEntity>? _loop;
    private volatile bool _schemaChecked;
    private QueueDepthSource? _queueDepth;

    public StatusWorkflow(StatusWorkflowRegistration registration, IServiceScopeFactory scopes, ILoggerFactory loggers, TimeProvider time, IOptionsMonitor<StatusWorkflowOptions> options, PipelineTelemetry telemetry, SqlClock? sqlClock = null)
        : base(registration)
    {
        _telemetry = telemetry;
        _sqlClock = sqlClock;
        _scopes = scopes;
        _logger = loggers.CreateLogger("ScraperSky.Pipeline.StatusWorkflow");
        _time = time;
        _options = options;
    }

    /// <summary>Gets the workflow's loop; available after <see cref="Resolve"/>.</summary>
    internal RunJobLoop<TEntity> Loop => _loop ?? throw new InvalidOperationException($"Status workflow '{Name}' has not been resolved yet.");

    public override WorkflowDefinition Definition => _definition ?? throw new InvalidOperationException($"Status workflow '{Name}' has not been resolved yet.");

    public override bool SchemaChecked => _schemaChecked;

    public override void Resolve()
    {
        if (_definition is not null)
        {
            return;
        }

        using var scope = _scopes.CreateScope();
        var service = scope.ServiceProvider.GetService(Registration.ContextType)
            ?? throw WorkflowDefinitionResolver.Misconfigured(Registration, "UseDbContext", $"DbContext '{Registration.ContextType.Name}' is not registered; call AddDbContext<{Registration.ContextType.Name}>(…) first.");
        var db = (DbContext)service;
        var definition = WorkflowDefinitionResolver.Resolve(Registration, db.Model);
        if (scope.ServiceProvider.GetService(Registration.ProcessorType) is not IStatusItemProcessor<TEntity>)
        {
            throw WorkflowDefinitionResolver.Misconfigured(Registration, "UseProcessor", $"processor '{Registration.ProcessorType.Name}' could not be resolved.");
        }

        _loop = new RunJobLoop<TEntity>(definition, _scopes, _logger, _time, () => _options.Get(Name), _telemetry, _sqlClock);
        _definition = definition;
        _queueDepth = new QueueDepthSource(CountQueuedAsync, () => _options.Get(Name).Schedule.Interval, _time);
        _telemetry.RegisterQueueDepth(Name, _queueDepth);
    }

    /// <summary>Gets the workflow's queue-depth gauge source; available after <see cref="Resolve"/>.</summary>
    internal QueueDepthSource? QueueDepth => _queueDepth;

    public override Maintenance.LeaseRescuer? Rescuer => Loop.Rescuer;

    public override StatusWorkflowOptions Options => _options.Get(Name);

    public override void Dispose()
    {
        _loop?.Dispose();
        if (_queueDepth is not null)
        {
            _telemetry.UnregisterQueueDepth(Name, _queueDepth);
        }
    }

    public override async Task CheckSchemaAsync(CancellationToken cancellationToken)
    {
        Resolve();
        ServiceProviderCheck.Run(_scopes, Registration);
        var scope = _scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var db = (DbContext)scope.ServiceProvider.GetRequiredService(Registration.ContextType);
            await SchemaCheck.RunAsync(db, _definition!, _loop!.Sql, cancellationToken).ConfigureAwait(false);
            var options = _options.Get(Name);
            if (options.WakeUp.InstallTrigger)
            {
                var ddl = WakeUp.WakeUpSql.TriggerDdl(_definition!);
                await db.Database.ExecuteSqlRawAsync(ddl, cancellationToken).ConfigureAwait(false);
                Log.WakeUpTriggerInstalled(_logger, Name);
                scope.ServiceProvider.GetService<WakeUp.WakeUpStates>()?.SetTriggerProblem(Name, null);
            }
            else if (options.WakeUp.Enabled && options.StartupCheck != StartupCheckMode.Off
                && await WakeUp.WakeUpTriggerCheck.ProblemAsync(db, _definition!, options, cancellationToken).ConfigureAwait(false) is { } triggerProblem)
            {
                if (options.StartupCheck == StartupCheckMode.Fail)
                {
                    throw new InvalidOperationException($"Status workflow '{Name}' failed its start-up check (StartupCheck = Fail): {triggerProblem}");
                }

                Log.WakeUpTriggerProblem(_logger, Name, triggerProblem);
                scope.ServiceProvider.GetService<WakeUp.WakeUpStates>()?.SetTriggerProblem(Name, new WakeUpStatus { State = WakeUpState.PollingOnly, Reason = triggerProblem, Since = _time.GetUtcNow() });
            }

            if (options.StartupCheck != StartupCheckMode.Off)
            {
                var registered = scope.ServiceProvider.GetServices<StatusWorkflowRegistration>().Select(r => r.Name).ToList();
                var findings = await WorkflowDoctor.ExamineAsync(db, _definition!, _loop.Sql, options.Mode, (connection, found, ct) => LeftoverDoctor.ExamineAsync(connection, _definition!, registered, found, ct), _logger, cancellationToken).ConfigureAwait(false);
                if (findings.Count > 0 && options.StartupCheck == StartupCheckMode.Fail)
                {
                    throw new InvalidOperationException($"Status workflow '{Name}' failed its start-up check (StartupCheck = Fail): {string.Join(" ", findings)}");
                }

                foreach (var finding in findings)
                {
                    Log.DoctorFinding(_logger, Name, finding);
                }
            }

            if (options.Mode == ClaimMode.AtomicBatch)
            {
                await WarnAboutServerTimeoutsAsync(db, options, cancellationToken).ConfigureAwait(false);
            }
        }

        _schemaChecked = true;
    }

    public override async Task<WorkflowRunResult> RunAsync(StatusWorkflowOptions options, string jobId, CancellationToken stopping, CancellationToken abort)
    {
        if (!_schemaChecked)
        {
            await CheckSchemaAsync(abort).ConfigureAwait(false);
        }

        return await _loop!.RunAsync(options, jobId, stopping, abort).ConfigureAwait(false);
    }

    /// <summary>
    /// An atomic batch holds one transaction across all its items: a server timeout shorter than an item breaks every
    /// batch alike (each then runs its rows alone), which is a setting to fix, not a row to blame.
    /// </summary>
    private async Task WarnAboutServerTimeoutsAsync(DbContext db, StatusWorkflowOptions options, CancellationToken cancellationToken)
    {
        foreach (var (setting, value) in await _loop!.Store.ServerTimeoutsAsync(db, cancellationToken).ConfigureAwait(false))
        {
            if (value > TimeSpan.Zero && value < options.ItemTimeout)
            {
                Log.ServerTimeoutShorterThanItemTimeout(_logger, Name, setting, value, options.ItemTimeout);
            }
        }
    }

    private Task<long> CountQueuedAsync(CancellationToken cancellationToken) => _loop!.Store.CountQueuedAsync(cancellationToken);
}
