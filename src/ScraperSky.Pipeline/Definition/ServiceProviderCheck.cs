using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ScraperSky.Pipeline.Definition;

/// <summary>
/// Checks at start-up that the workflow's DbContext shares one EF Core internal service provider across scopes.
/// Something created anew inside the <c>AddDbContext</c> options lambda (a name translator in <c>MapEnum</c>, an
/// interceptor, a logger factory) gives every scope a provider of its own, and after 20 of them EF Core's
/// <c>ManyServiceProvidersCreatedWarning</c> — an error by default — fails every run of the workflow.
/// </summary>
internal static class ServiceProviderCheck
{
    /// <summary>Compares the internal providers of the contexts of two scopes; throws <see cref="InvalidOperationException"/> showing the fix when they differ.</summary>
    public static void Run(IServiceScopeFactory scopes, StatusWorkflowRegistration registration)
    {
        using var first = scopes.CreateScope();
        using var second = scopes.CreateScope();
        var one = (DbContext)first.ServiceProvider.GetRequiredService(registration.ContextType);
        var other = (DbContext)second.ServiceProvider.GetRequiredService(registration.ContextType);

        // The model source is a singleton of the internal provider: the same instance exactly when the provider is.
        if (ReferenceEquals(one.GetService<IModelSource>(), other.GetService<IModelSource>()))
        {
            return;
        }

        var context = registration.ContextType.Name;
        throw WorkflowDefinitionResolver.Misconfigured(
            registration,
            "UseDbContext",
            $"every scope's {context} builds a new EF Core internal service provider, because something in its AddDbContext options lambda is created anew each time " +
            "(a name translator passed to MapEnum, an interceptor, a logger factory). After 20 scopes EF Core's ManyServiceProvidersCreatedWarning fails every run, " +
            "and each provider opens a connection pool of its own. Create those objects once and reuse them: " +
            "private static readonly INpgsqlNameTranslator Translator = new NpgsqlNullNameTranslator(); … " +
            $"services.AddDbContext<{context}>(o => o.UseNpgsql(connectionString, n => n.MapEnum<TStatus>(\"status_type\", nameTranslator: Translator)));");
    }
}
