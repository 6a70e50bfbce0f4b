using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace AgentService.FunctionalTests;

/// <summary>Raw HTTP helpers: the tests look at the exact JSON the service sends.</summary>
internal static class Api
{
    public const string Prefix = "ap/v1/agent";

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    public static async Task<JsonElement> PostJsonAsync(HttpClient http, string path, string json, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await http.PostAsync(path, Json(json));
        return await ReadJsonAsync(response, expected);
    }

    public static async Task<JsonElement> PutJsonAsync(HttpClient http, string path, string json, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await http.PutAsync(path, Json(json));
        return await ReadJsonAsync(response, expected);
    }

    public static async Task<JsonElement> GetJsonAsync(HttpClient http, string path, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await http.GetAsync(path);
        return await ReadJsonAsync(response, expected);
    }

    public static async Task<string> CreateTaskAsync(HttpClient http, string input = "hello", string prefix = Prefix)
    {
        var task = await PostJsonAsync(http, $"{prefix}/tasks", JsonSerializer.Serialize(new { input }));
        return task.GetProperty("task_id").GetString()!;
    }

    public static async Task<HttpResponseMessage> UploadAsync(HttpClient http, string taskId, byte[] content, string fileName, string? relativePath = null, string prefix = Prefix)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        if (relativePath is not null)
        {
            form.Add(new StringContent(relativePath), "relative_path");
        }

        return await http.PostAsync($"{prefix}/tasks/{taskId}/artifacts", form);
    }

    /// <summary>Asserts a 422 whose body names <paramref name="field"/>.</summary>
    public static async Task AssertInvalidAsync(HttpResponseMessage response, string field)
    {
        var error = await ReadJsonAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.Contains(error.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == field);
    }

    public static string[] PropertyNames(JsonElement element) => element.EnumerateObject().Select(p => p.Name).Order().ToArray();
}
