using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ScraperSky.SampleHost.Tests.Infrastructure;
using ScraperSky.SampleHost.Workflows;

namespace ScraperSky.SampleHost.Tests.Api;

/// <summary>
/// The API as a deployment target: paging past the end, writes that queue crawls behind the dev-tools key, and a JSON
/// error body for every refused request (regressions of the sample host hardening: "a package a stranger can adopt in
/// five minutes", item 6).
/// </summary>
public sealed class ApiHardeningTests(ApiHardeningTests.Host host) : IClassFixture<ApiHardeningTests.Host>
{
    public sealed class Host : SampleHostFixture
    {
        protected override IReadOnlyDictionary<string, string?> Settings() => new Dictionary<string, string?>(Disabled([.. ScraperSkyWorkflows.WorkflowNames]))
        {
            ["DevTools:ApiKey"] = TestApiKey,
        };
    }

    [Theory]
    [InlineData("/api/domains?page=2147483647")]
    [InlineData("/api/domains?page=21474838&size=200")]
    [InlineData("/api/domains?page=33554433&size=128")] // (page - 1) × size wraps to exactly 0 in 32 bits: page one again
    [InlineData("/api/sitemap-files?page=2147483647&size=200")]
    [InlineData("/api/local-businesses?page=1073741825&size=2")]
    public async Task List_PageFarPastTheEnd_ReturnsAnEmptyPage(string path)
    {
        await host.AddDomainAsync($"far-page-{Guid.NewGuid():N}.example", queueExtraction: false);

        using var response = await host.Api.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var page = await response.Content.ReadFromJsonAsync<JsonElement>();
        page.GetProperty("items").GetArrayLength().Should().Be(0, "no row lies that far, whatever the arithmetic of page × size");
    }

    [Theory]
    [InlineData("/api/domains/sitemap-curation", null)]
    [InlineData("/api/sitemap-files/curation", "wrong-key")]
    [InlineData("/api/places-staging/status", null)]
    public async Task Curate_WithoutTheRightKey_Returns401AndChangesNothing(string path, string? key)
    {
        var id = await host.AddDomainAsync($"unkeyed-{Guid.NewGuid():N}.example", queueExtraction: false);
        using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = JsonContent.Create(new { ids = new[] { id }, status = "Selected" }) };
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        using var response = await host.Api.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await RowEndpointsTests.ErrorAsync(response)).Should().Be("missing or wrong X-Api-Key header");
        (await host.SqlAsync("SELECT sitemap_curation_status::text FROM domains WHERE id = @p0", id)).Should().Be("New");
    }

    [Fact]
    public async Task Curate_WithoutTheKeyAndWithMalformedJson_Returns401NotABodyError()
    {
        using var content = new StringContent("{\"ids\": [1,", Encoding.UTF8, "application/json");

        using var response = await host.Api.PutAsync("/api/domains/sitemap-curation", content);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Curate_NotJson_Returns415WithJsonError()
    {
        using var response = await host.PutAsync("/api/domains/sitemap-curation", new StringContent("ids=1&status=Selected", Encoding.UTF8, "application/x-www-form-urlencoded"));

        response.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
        (await RowEndpointsTests.ErrorAsync(response)).Should().Contain("application/json");
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData(null)]
    public async Task Curate_EmptyBody_Returns400WithJsonError(string? contentType)
    {
        using var content = new ByteArrayContent([]);
        if (contentType is not null)
        {
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }

        using var response = await host.PutAsync("/api/domains/sitemap-curation", content);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await RowEndpointsTests.ErrorAsync(response)).Should().Be("a JSON body {\"ids\": [...], \"status\": \"Selected\"} is required");
    }

    [Fact]
    public async Task UnknownRoute_Returns404WithJsonError()
    {
        using var response = await host.Api.GetAsync("/api/no-such-thing");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await RowEndpointsTests.ErrorAsync(response)).Should().NotBeNullOrEmpty();
    }

    [Theory]
    [InlineData("/health/live", 0)]
    [InlineData("/health/ready", 2)]
    public async Task Health_LivenessAndReadiness_AnswerWithTheirChecks(string path, int checks)
    {
        using var response = await host.Api.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var health = await response.Content.ReadFromJsonAsync<JsonElement>();
        health.GetProperty("status").GetString().Should().Be("Healthy");
        health.GetProperty("checks").GetArrayLength().Should().Be(checks);
    }
}
