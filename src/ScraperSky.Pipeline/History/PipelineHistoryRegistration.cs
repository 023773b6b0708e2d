using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.History;

/// <summary>The services of the pipeline history, added once however often <c>AddPipelineHistory</c> is called.</summary>
internal static class PipelineHistoryRegistration
{
    /// <summary>The configuration section the history's settings are read from unless another is given.</summary>
    public const string SectionPath = "ScraperSky:History";

    public static void Add(IServiceCollection services, IConfigurationSection? section, Action<PipelineHistoryOptions>? configure)
    {
        var options = services.AddOptions<PipelineHistoryOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        // Configuration wins over code, as for the workflows' settings.
        services.AddSingleton<IPostConfigureOptions<PipelineHistoryOptions>>(sp => new PostConfigureOptions<PipelineHistoryOptions>(
            Options.DefaultName,
            o => (section ?? sp.GetService<IConfiguration>()?.GetSection(SectionPath))?.Bind(o)));

        if (services.Any(d => d.ServiceType == typeof(HistoryRecorder)))
        {
            return;
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PipelineHistoryOptions>, PipelineHistoryOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<PipelineHistoryOptions>>().Value;
            var context = sp.GetServices<StatusWorkflowRegistration>().FirstOrDefault()?.ContextType;
            return new HistoryStore(new HistorySql(settings.Schema), settings.ConnectionString, context, sp.GetRequiredService<IServiceScopeFactory>());
        });
        services.AddSingleton(sp => new HistoryRecorder(
            sp.GetRequiredService<HistoryStore>(),
            sp.GetRequiredService<IOptions<PipelineHistoryOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("ScraperSky.Pipeline.History")));
        services.AddSingleton<IWorkflowActivityObserver>(sp => sp.GetRequiredService<HistoryRecorder>());
        services.AddSingleton<IPipelineHistory>(sp => new PipelineHistory(sp.GetRequiredService<HistoryStore>()));
        services.AddSingleton<IHostedService>(sp => new PipelineHistoryService(
            sp.GetRequiredService<HistoryRecorder>(),
            sp.GetRequiredService<IOptions<PipelineHistoryOptions>>().Value,
            sp.GetServices<StatusWorkflowRegistration>().Select(r => r.Name),
            sp.GetRequiredService<ILogger<PipelineHistoryService>>()));
    }
}
