using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.Hosting;

/// <summary>
/// Starts every registered workflow with the host: resolves and checks them all before any claims (a
/// misconfigured workflow stops start-up), then runs each on its interval until the host stops.
/// </summary>
internal sealed class StatusWorkflowHostedService : BackgroundService
{
    private readonly IReadOnlyList<StatusWorkflow> _workflows;
    private readonly IOptionsMonitor<StatusWorkflowOptions> _options;
    private readonly ILogger _logger;

    private readonly WakeUp.WakeSignals _wakeSignals;

    public StatusWorkflowHostedService(IEnumerable<StatusWorkflow> workflows, IOptionsMonitor<StatusWorkflowOptions> options, WakeUp.WakeSignals wakeSignals, ILogger<StatusWorkflowHostedService> logger)
    {
        _wakeSignals = wakeSignals;
        _workflows = workflows.ToList();
        _options = options;
        _logger = logger;
    }

    internal TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var workflow in _workflows)
        {
            workflow.Resolve();
        }

        foreach (var workflow in _workflows.Where(w => _options.Get(w.Name).Enabled))
        {
            try
            {
                await workflow.CheckSchemaAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (Definition.SchemaCheck.IsUnreachable(ex))
            {
                // The host stays up without its database; the check runs again before the first claim.
                Log.SchemaCheckDeferred(_logger, ex, workflow.Name);
            }
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
        => Task.WhenAll(_workflows.Select(w => PollAsync(w, stoppingToken)));

    private async Task PollAsync(StatusWorkflow workflow, CancellationToken stoppingToken)
    {
        await Task.Yield();
        var first = _options.Get(workflow.Name);
        if (!first.Enabled)
        {
            Log.WorkflowDisabled(_logger, workflow.Name);
            return;
        }

        var definition = workflow.Definition;
        Log.WorkflowStarted(_logger, workflow.Name, definition.TableDisplayName, definition.StatusColumn, definition.StatusStorage, first.BatchSize, first.Interval);
        while (!stoppingToken.IsCancellationRequested)
        {
            var options = _options.Get(workflow.Name);
            var started = Stopwatch.GetTimestamp();
            var runStarted = TimeProvider.GetTimestamp();
            try
            {
                var result = await workflow.RunAsync(options, workflow.Name, stoppingToken, stoppingToken).ConfigureAwait(false);
                if (result.Claimed == 0)
                {
                    Log.RunFoundNothing(_logger, workflow.Name);
                }
                else
                {
                    Log.RunFinished(_logger, workflow.Name, result.Claimed, result.Completed, result.Failed, result.Batches, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.RunFailed(_logger, ex, workflow.Name);
            }

            try
            {
                // The interval, or a wake-up notification, whichever comes first.
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var woken = _wakeSignals.For(workflow.Name).WaitAsync(wait.Token);
                var winner = await Task.WhenAny(woken, Task.Delay(options.Interval, TimeProvider, wait.Token)).ConfigureAwait(false);
                await wait.CancelAsync().ConfigureAwait(false);
                stoppingToken.ThrowIfCancellationRequested();
                if (winner == woken && TimeProvider.GetElapsedTime(runStarted) is var sinceRun && sinceRun < WakeUp.WakeSignal.MinimumSpacing)
                {
                    // A burst of notifications wakes the workflow at once, then at most once per spacing.
                    await Task.Delay(WakeUp.WakeSignal.MinimumSpacing - sinceRun, TimeProvider, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
