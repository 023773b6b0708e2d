namespace ScraperSky.SampleHost.Http;

/// <summary>Runs every request of the crawler client (each redirect hop too) through <see cref="HostPoliteness"/>.</summary>
internal sealed class HostPolitenessHandler(HostPoliteness politeness) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var turn = await politeness.WaitTurnAsync(request.RequestUri!.IdnHost, cancellationToken);
        return await base.SendAsync(request, cancellationToken);
    }
}
