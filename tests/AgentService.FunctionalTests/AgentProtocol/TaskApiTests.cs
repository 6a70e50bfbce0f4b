using System.Net;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.AgentProtocol;

public sealed class TaskApiTests : IAsyncLifetime
{
    private ServiceHost _host = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _host = await ServiceHost.StartAsync();
        _http = _host.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        Assert.Empty(_host.Errors);
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task CreateTask_WithInputs_ReturnsEverySpecPropertyAndIsReadable()
    {
        var created = await Api.PostJsonAsync(_http, "ap/v1/agent/tasks", """{"input":"Write 'Washington'","additional_input":{"test_run_id":"123","n":[1,2]}}""");

        Assert.Equal(["additional_input", "artifacts", "input", "task_id"], Api.PropertyNames(created));
        var taskId = created.GetProperty("task_id").GetString()!;
        Assert.StartsWith("run_", taskId);
        Assert.Equal("Write 'Washington'", created.GetProperty("input").GetString());
        Assert.Equal("123", created.GetProperty("additional_input").GetProperty("test_run_id").GetString());
        Assert.Equal(0, created.GetProperty("artifacts").GetArrayLength());

        var fetched = await Api.GetJsonAsync(_http, $"ap/v1/agent/tasks/{taskId}");
        Assert.Equal(created.ToString(), fetched.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("""{"input":null,"additional_input":null}""")]
    public async Task CreateTask_WithoutInputs_HasNullInputAndEmptyAdditionalInput(string body)
    {
        var created = await Api.PostJsonAsync(_http, "ap/v1/agent/tasks", body);

        // input is nullable in the spec; additional_input (TaskInput) is an object that is not nullable.
        Assert.Equal(System.Text.Json.JsonValueKind.Null, created.GetProperty("input").ValueKind);
        Assert.Equal("{}", created.GetProperty("additional_input").GetRawText());
    }

    [Theory]
    [InlineData("{bad json", "body")]
    [InlineData("""{"input": 42}""", "input")]
    [InlineData("""{"input": ["a"]}""", "input")]
    [InlineData("""{"additional_input": "text"}""", "additional_input")]
    [InlineData("""{"additional_input": [1, 2]}""", "additional_input")]
    [InlineData("[]", "body")]
    [InlineData("\"just a string\"", "body")]
    public async Task CreateTask_MalformedBody_Is422NamingTheFieldAndStoresNothing(string body, string field)
    {
        using var response = await _http.PostAsync("ap/v1/agent/tasks", Api.Json(body));

        await Api.AssertInvalidAsync(response, field);
        var list = await Api.GetJsonAsync(_http, "ap/v1/agent/tasks");
        Assert.Equal(0, list.GetProperty("pagination").GetProperty("total_items").GetInt32());
    }

    [Fact]
    public async Task CreateTask_DeeplyNestedJson_Is422()
    {
        var deep = "{\"additional_input\":" + new string('[', 5000) + new string(']', 5000) + "}";

        using var response = await _http.PostAsync("ap/v1/agent/tasks", Api.Json(deep));

        await Api.AssertInvalidAsync(response, "body");
    }

    [Fact]
    public async Task CreateTask_BodyOverTheLimit_Is413Json()
    {
        var big = "{\"input\":\"" + new string('x', 2 * 1024 * 1024) + "\"}";

        using var response = await _http.PostAsync("ap/v1/agent/tasks", Api.Json(big));

        var error = await Api.ReadJsonAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("limit", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task CreateTask_NonJsonContentType_Is415Json()
    {
        using var response = await _http.PostAsync("ap/v1/agent/tasks", new StringContent("input=x", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"));

        var error = await Api.ReadJsonAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("application/json", error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("application/json; charset=utf-16", null, "charset 'utf-16'")]
    [InlineData("application/json; charset=iso-8859-1", null, "charset 'iso-8859-1'")]
    [InlineData("application/json; charset=\"utf-16\"", null, "charset 'utf-16'")]
    [InlineData("application/json", "gzip", "Content-Encoding 'gzip'")]
    public async Task CreateTask_InAnotherCharsetOrCompressed_Is415AndStoresNothing(string contentType, string? encoding, string expected)
    {
        var before = (await Api.GetJsonAsync(_http, "ap/v1/agent/tasks")).GetProperty("pagination").GetProperty("total_items").GetInt32();
        var content = new ByteArrayContent("{\"input\":\"x\"}"u8.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        if (encoding is not null)
        {
            content.Headers.ContentEncoding.Add(encoding);
        }

        using var response = await _http.PostAsync("ap/v1/agent/tasks", content);

        var error = await Api.ReadJsonAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Contains(expected, error.GetProperty("message").GetString());
        Assert.Equal(before, (await Api.GetJsonAsync(_http, "ap/v1/agent/tasks")).GetProperty("pagination").GetProperty("total_items").GetInt32());
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/json; charset=UTF-8")]
    [InlineData("application/json; charset=\"UTF-8\"")]
    [InlineData("application/json")]
    public async Task CreateTask_Utf8Json_IsAccepted(string contentType)
    {
        var content = new ByteArrayContent("{\"input\":\"x\"}"u8.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var response = await _http.PostAsync("ap/v1/agent/tasks", content);

        await Api.ReadJsonAsync(response, HttpStatusCode.OK);
    }

    [Fact]
    public async Task GetTask_Unknown_Is404WithMessage()
    {
        var error = await Api.GetJsonAsync(_http, "ap/v1/agent/tasks/run_00000000000000000000000000", HttpStatusCode.NotFound);

        Assert.Equal(["message"], Api.PropertyNames(error));
    }

    [Fact]
    public async Task ListTasks_Defaults_AreFirstPageOfTenInCreationOrder()
    {
        var ids = new List<string>();
        for (var i = 0; i < 23; i++)
        {
            ids.Add(await Api.CreateTaskAsync(_http, $"task {i}"));
        }

        var page = await Api.GetJsonAsync(_http, "ap/v1/agent/tasks");

        var pagination = page.GetProperty("pagination");
        Assert.Equal(23, pagination.GetProperty("total_items").GetInt32());
        Assert.Equal(3, pagination.GetProperty("total_pages").GetInt32());
        Assert.Equal(1, pagination.GetProperty("current_page").GetInt32());
        Assert.Equal(10, pagination.GetProperty("page_size").GetInt32());
        Assert.Equal(ids.Take(10), page.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("task_id").GetString()));
    }

    [Fact]
    public async Task ListTasks_WalkingAllPages_ReturnsEveryTaskOnceInOrder()
    {
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add(await Api.CreateTaskAsync(_http, $"task {i}"));
        }

        var seen = new List<string>();
        for (var page = 1; page <= 3; page++)
        {
            var result = await Api.GetJsonAsync(_http, $"ap/v1/agent/tasks?current_page={page}&page_size=3");
            Assert.Equal(3, result.GetProperty("pagination").GetProperty("total_pages").GetInt32());
            seen.AddRange(result.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("task_id").GetString()!));
        }

        Assert.Equal(ids, seen);
        var beyond = await Api.GetJsonAsync(_http, "ap/v1/agent/tasks?current_page=4&page_size=3");
        Assert.Equal(0, beyond.GetProperty("tasks").GetArrayLength());
        Assert.Equal(7, beyond.GetProperty("pagination").GetProperty("total_items").GetInt32());
        var all = await Api.GetJsonAsync(_http, "ap/v1/agent/tasks?page_size=100");
        Assert.Equal(7, all.GetProperty("tasks").GetArrayLength());
        Assert.Equal(1, all.GetProperty("pagination").GetProperty("total_pages").GetInt32());
    }

    [Fact]
    public async Task ListTasks_Empty_HasZeroPages()
    {
        var page = await Api.GetJsonAsync(_http, "ap/v1/agent/tasks?page_size=1");

        Assert.Equal(0, page.GetProperty("pagination").GetProperty("total_pages").GetInt32());
        Assert.Equal(0, page.GetProperty("tasks").GetArrayLength());
    }

    [Theory]
    [InlineData("page_size=0", "page_size")]
    [InlineData("page_size=101", "page_size")]
    [InlineData("page_size=-1", "page_size")]
    [InlineData("page_size=abc", "page_size")]
    [InlineData("page_size=1.5", "page_size")]
    [InlineData("page_size=99999999999999999999", "page_size")]
    [InlineData("current_page=0", "current_page")]
    [InlineData("current_page=-3", "current_page")]
    [InlineData("current_page=x", "current_page")]
    [InlineData("current_page=1&current_page=2", "current_page")]
    public async Task ListTasks_OutOfRangePaging_Is422NamingTheParameter(string query, string field)
    {
        using var response = await _http.GetAsync($"ap/v1/agent/tasks?{query}");

        await Api.AssertInvalidAsync(response, field);
    }

    [Fact]
    public async Task ListTasks_APageBeyondTheLargestNumber_SaysWhatTheRangeIs()
    {
        using var response = await _http.GetAsync("ap/v1/agent/tasks?current_page=2147483648");

        await Api.AssertInvalidAsync(response, "current_page");
        Assert.Contains("from 1 to 2147483647, not 2147483648", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownRouteAndWrongMethod_AnswerJson()
    {
        var notFound = await Api.GetJsonAsync(_http, "ap/v1/agent/nothing-here", HttpStatusCode.NotFound);
        Assert.True(notFound.TryGetProperty("message", out _));

        using var response = await _http.DeleteAsync("ap/v1/agent/tasks");
        var error = await Api.ReadJsonAsync(response, HttpStatusCode.MethodNotAllowed);
        Assert.True(error.TryGetProperty("message", out _));
    }
}
