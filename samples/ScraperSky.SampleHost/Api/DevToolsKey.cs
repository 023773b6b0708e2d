using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ScraperSky.SampleHost.Api;

/// <summary>
/// The key that guards the endpoints that start work: the manual job triggers and the curation updates that queue
/// crawls. Off (404) unless <c>DevTools:ApiKey</c> is set; then 401 unless <c>X-Api-Key</c> carries that key. Checked
/// as middleware once the endpoint is known, before its body is read, so an unauthenticated caller learns nothing about
/// the body it sent.
/// </summary>
internal static class DevToolsKey
{
    /// <summary>Marks an endpoint as needing the dev-tools key.</summary>
    public static TBuilder RequireDevToolsKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(Required.Instance);

    /// <summary>Answers 404 or 401 for marked endpoints without the configured key.</summary>
    public static IApplicationBuilder UseDevToolsKey(this IApplicationBuilder app)
        => app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<Required>() is null)
            {
                await next(context);
                return;
            }

            var configured = context.RequestServices.GetRequiredService<IOptionsMonitor<DevToolsOptions>>().CurrentValue.ApiKey;
            if (string.IsNullOrEmpty(configured))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                await context.Response.WriteAsJsonAsync(new ApiError("dev tools are off: set DevTools:ApiKey (environment variable DevTools__ApiKey) to enable manual job triggers and curation updates"));
                return;
            }

            var presented = context.Request.Headers[DevToolsOptions.ApiKeyHeader].ToString();
            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(configured)))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await context.Response.WriteAsJsonAsync(new ApiError($"missing or wrong {DevToolsOptions.ApiKeyHeader} header"));
                return;
            }

            await next(context);
        });

    private sealed class Required
    {
        public static readonly Required Instance = new();
    }
}
