using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Dashboard.Actions;
using ScraperSky.Pipeline.Dashboard.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Dashboard.Tests.Endpoints;

/// <summary>Actions: the antiforgery token, one permission per action from the app's resolver, and the log line.</summary>
public sealed class ActionTests
{
    private readonly FakeQueues _queues = new();

    private DashboardAppFactory App(Func<DashboardAuthorizationContext, ValueTask<bool>>? authorize = null)
        => new(
            s => s.AddSingleton<IPipelineCatalog, FakeCatalog>().AddSingleton<IStatusWorkflowQueues>(_queues).AddPipelineDashboard(o => o.Authorize = authorize),
            e => e.MapPipelineDashboard("/pipeline").RequireAuthorization("ops"),
            remoteIp: "203.0.113.7");

    private static ValueTask<bool> OpsAdmins(DashboardAuthorizationContext c)
        => ValueTask.FromResult(c.Permission == DashboardPermission.View || (c.User.IsInRole("ops-admin") && c.Permission != DashboardPermission.Cancel));

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string action, params (string Key, string Value)[] fields)
    {
        var (field, token) = await DashboardAppFactory.TokenAsync(client, "/pipeline/rows?name=orders");
        var form = fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)).Append(new(field, token));
        return await client.PostAsync("/pipeline/" + action, new FormUrlEncodedContent(form));
    }

    [Fact]
    public async Task Requeue_AllMatchingWithPermission_QueuesTheFilteredRowsAndLogsWhoAndHowMany()
    {
        await using var app = App(OpsAdmins);
        using var client = app.Client("grace; ops-admin");

        using var response = await PostAsync(client, "requeue", ("name", "orders"), ("status", "Error"), ("error", "timeout"), ("scope", "all"));

        response.StatusCode.Should().Be(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var id = (await response.Content.ReadFromJsonAsync<OperationStarted>())!.Id;
        await app.Services.GetRequiredService<BulkOperations>().Get(id)!.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var call = _queues.Calls.Should().ContainSingle(c => c.Call == "queue").Subject;
        call.Workflow.Should().Be("orders");
        call.Filter.Statuses.Should().Equal(StatusRole.Error);
        call.Filter.ErrorContains.Should().Be("timeout");
        var progress = await client.GetFromJsonAsync<OperationState>($"/pipeline/operation?id={id}");
        progress.Should().Be(new OperationState(2, true, null));
        app.Logs.Entries.Should().Contain(e => e.Id.Id == 8001 && e.Message.Contains("grace") && e.Message.Contains("requeue") && e.Message.Contains("orders") && e.Message.Contains(": 2 rows"));
    }

    [Fact]
    public async Task Cancel_SelectionWithoutThatPermission_IsRefusedAndLogged()
    {
        await using var app = App(OpsAdmins);
        using var client = app.Client("grace; ops-admin");

        using var response = await PostAsync(client, "cancel", ("name", "orders"), ("scope", "selection"), ("key", "1"));

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        _queues.Calls.Should().NotContain(c => c.Call == "cancel");
        app.Logs.Entries.Should().Contain(e => e.Id.Id == 8002 && e.Message.Contains("grace") && e.Message.Contains("Cancel"));
    }

    [Fact]
    public async Task Requeue_AuthenticatedUserUnderTheDefault_ViewsOnly()
    {
        await using var app = App();
        using var client = app.Client("ada");

        var html = await client.GetStringAsync("/pipeline/rows?name=orders&status=Error");
        using var response = await PostAsync(client, "requeue", ("name", "orders"), ("scope", "all"));

        html.Should().Contain("data-bulk=\"requeue\" data-scope=\"all\" disabled title=\"You may not re-queue rows here\"");
        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        _queues.Calls.Should().NotContain(c => c.Call == "queue");
    }

    [Fact]
    public async Task Action_WithoutAntiforgeryToken_IsRefusedBeforeAnything()
    {
        await using var app = App(OpsAdmins);
        using var client = app.Client("grace; ops-admin");

        using var response = await client.PostAsync("/pipeline/requeue", new FormUrlEncodedContent([new("name", "orders"), new("scope", "all")]));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("antiforgery");
        _queues.Calls.Should().BeEmpty();
    }

    [Fact]
    public async Task Cancel_Selection_CancelsOnlyQueuedRowsOfEachKeyWithAReasonNamingTheUser()
    {
        await using var app = App(_ => ValueTask.FromResult(true));
        using var client = app.Client("grace");

        using var response = await PostAsync(client, "cancel", ("name", "orders"), ("scope", "selection"), ("key", "1"), ("key", "2"));

        var id = (await response.Content.ReadFromJsonAsync<OperationStarted>())!.Id;
        await app.Services.GetRequiredService<BulkOperations>().Get(id)!.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var calls = _queues.Calls.Where(c => c.Call == "cancel").ToList();
        calls.Select(c => c.Filter.Key).Should().Equal("1", "2");
        calls.Should().OnlyContain(c => c.Filter.Statuses!.SequenceEqual(new[] { StatusRole.Queued }) && c.Reason == "cancelled from the dashboard by grace");
        (await client.GetFromJsonAsync<OperationState>($"/pipeline/operation?id={id}"))!.Done.Should().Be(4);
    }

    [Fact]
    public async Task Count_ForRequeue_LeavesProcessingRowsOut()
    {
        await using var app = App();
        using var client = app.Client("ada");

        var count = await client.GetFromJsonAsync<CountResult>("/pipeline/count?name=orders&key=7&action=requeue");

        count!.Count.Should().Be(2);
        var call = _queues.Calls.Should().ContainSingle().Subject;
        call.Filter.Statuses.Should().BeEquivalentTo([StatusRole.Queued, StatusRole.Completed, StatusRole.Error]);
        call.Filter.Key.Should().Be("7");
    }

    [Fact]
    public async Task ResetStuck_ConfirmPageCountsFirstThenResets()
    {
        await using var app = App(_ => ValueTask.FromResult(true));
        using var client = app.Client("grace");

        var confirm = await client.GetStringAsync("/pipeline/reset-stuck?name=orders");
        using var response = await PostAsync(client, "reset-stuck", ("name", "orders"), ("return", "./workflow?name=orders"));

        confirm.Should().Contain("<strong data-count>2</strong>");
        _queues.Calls.Select(c => c.Call).Should().Equal("reset-dry", "reset");
        response.StatusCode.Should().Be(HttpStatusCode.SeeOther);
        response.Headers.Location!.OriginalString.Should().Be("./workflow?name=orders&notice=reset&rows=2");
    }

    [Fact]
    public async Task Action_ReturnAddressOutsideTheDashboard_AnswersJsonInsteadOfRedirecting()
    {
        await using var app = App(_ => ValueTask.FromResult(true));
        using var client = app.Client("grace");

        using var response = await PostAsync(client, "reset-stuck", ("name", "orders"), ("return", ".//evil.example/"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.Location.Should().BeNull();
    }

    [Fact]
    public async Task Bulk_BadFilter_IsRefusedWithTheProblem()
    {
        await using var app = App(_ => ValueTask.FromResult(true));
        using var client = app.Client("grace");

        using var response = await PostAsync(client, "requeue", ("name", "orders"), ("status", "Lost"), ("scope", "all"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("status 'Lost' is none of Queued, Processing, Completed, Error");
        _queues.Calls.Should().BeEmpty();
    }

    private sealed record OperationStarted(string Id);

    private sealed record OperationState(long Done, bool Finished, string? Error);

    private sealed record CountResult(long Count);
}
