using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;

namespace AgentService.Server.Json;

/// <summary>An HTTP answer whose body is a JSON object written by hand (<see cref="JsonText.ObjectBytes"/>), with any
/// status: the one way the <c>/v1</c> APIs answer.</summary>
internal sealed class JsonObjectResult(byte[] body, int statusCode) : IResult, IStatusCodeHttpResult, IContentTypeHttpResult
{
    public int? StatusCode => statusCode;

    public string ContentType => "application/json";

    public static JsonObjectResult Of(Action<Utf8JsonWriter> members, int statusCode = StatusCodes.Status200OK) =>
        new(JsonText.ObjectBytes(members), statusCode);

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = statusCode;
        response.ContentType = ContentType;
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, httpContext.RequestAborted).AsTask();
    }
}
