using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ScraperSky.Pipeline.Dashboard.Access;
using ScraperSky.Pipeline.Dashboard.Live;

namespace ScraperSky.Pipeline.Dashboard.Pages;

/// <summary>What a page needs to render: the request, the latest sample, the permissions and the antiforgery token.</summary>
internal sealed class PageContext
{
    private readonly Dictionary<(DashboardPermission, string?), bool> _permissions = [];

    private PageContext(HttpContext http, DashboardSnapshot snapshot, AntiforgeryTokenSet tokens, PipelineDashboardOptions options)
    {
        Http = http;
        Snapshot = snapshot;
        Tokens = tokens;
        Options = options;
    }

    public HttpContext Http { get; }

    public DashboardSnapshot Snapshot { get; }

    public AntiforgeryTokenSet Tokens { get; }

    public PipelineDashboardOptions Options { get; }

    public IStatusWorkflowQueues? Queues => Http.RequestServices.GetService<IStatusWorkflowQueues>();

    public IPipelineCatalog? Catalog => Http.RequestServices.GetService<IPipelineCatalog>();

    public static async Task<PageContext> CreateAsync(HttpContext http)
    {
        var services = http.RequestServices;
        var snapshot = await services.GetRequiredService<DashboardSampler>().CurrentAsync(http.RequestAborted).ConfigureAwait(false);
        var tokens = services.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
        return new PageContext(http, snapshot, tokens, services.GetRequiredService<IOptions<PipelineDashboardOptions>>().Value);
    }

    /// <summary>Asks (once per page) whether the user may do an action on a target.</summary>
    public async Task<bool> MayAsync(DashboardPermission permission, string? target)
    {
        if (!_permissions.TryGetValue((permission, target), out var allowed))
        {
            allowed = await Http.RequestServices.GetRequiredService<DashboardAccess>().IsAllowedAsync(Http, permission, target).ConfigureAwait(false);
            _permissions[(permission, target)] = allowed;
        }

        return allowed;
    }

    /// <summary>The hidden antiforgery field of a form.</summary>
    public string TokenField => $"<input type=\"hidden\" name=\"{Html.E(Tokens.FormFieldName)}\" value=\"{Html.E(Tokens.RequestToken)}\">";

    /// <summary>
    /// A form that posts one action and comes back to <paramref name="returnTo"/>: its button is disabled, with the
    /// reason as its title, when the user may not do it.
    /// </summary>
    public async Task<string> ActionFormAsync(string action, DashboardPermission permission, string target, string targetField, string label, string returnTo, string? extraFields = null, string kind = "")
    {
        var allowed = await MayAsync(permission, target).ConfigureAwait(false);
        var disabled = allowed ? "" : $" disabled title=\"You may not {Html.E(Describe(permission))} here\"";
        return $"<form method=\"post\" action=\"./{action}\" class=\"inline\">{TokenField}<input type=\"hidden\" name=\"{targetField}\" value=\"{Html.E(target)}\"><input type=\"hidden\" name=\"return\" value=\"{Html.E(returnTo)}\">{extraFields}<button type=\"submit\" class=\"{kind}\" data-action=\"{action}\" data-permission=\"{permission}\"{disabled}>{label}</button></form>";
    }

    public static string Describe(DashboardPermission permission) => permission switch
    {
        DashboardPermission.Requeue => "re-queue rows",
        DashboardPermission.Cancel => "cancel rows",
        DashboardPermission.ResetStuck => "reset stuck rows",
        DashboardPermission.PauseResume => "pause or resume",
        DashboardPermission.RunNow => "start a run",
        _ => "view",
    };
}
