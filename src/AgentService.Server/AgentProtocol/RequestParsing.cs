using System.Globalization;
using System.Text.Json;
using AgentService.Protocol.AgentProtocol;
using AgentService.Server.Errors;
using AgentService.Server.Storage;

namespace AgentService.Server.AgentProtocol;

/// <summary>Validation of Agent Protocol request bodies and query parameters; every failure names its field.</summary>
internal static class RequestParsing
{
    public const int DefaultPageSize = 10;
    public const int MaxPageSize = 100;

    /// <summary>Reads <c>{"input": string|null, "additional_input": object|null}</c> (TaskRequestBody and StepRequestBody).</summary>
    public static (string? Input, string? AdditionalInput) ParseInputBody(JsonDocument? body)
    {
        if (body is null)
        {
            return (null, null);
        }

        var root = body.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw ServiceException.Invalid("body", $"must be a JSON object, not {Describe(root.ValueKind)}");
        }

        string? input = null;
        string? additionalInput = null;
        if (root.TryGetProperty("input", out var inputElement))
        {
            input = inputElement.ValueKind switch
            {
                JsonValueKind.String => inputElement.GetString(),
                JsonValueKind.Null => null,
                _ => throw ServiceException.Invalid("input", $"must be a string or null, not {Describe(inputElement.ValueKind)}"),
            };
        }

        if (root.TryGetProperty("additional_input", out var extra))
        {
            additionalInput = extra.ValueKind switch
            {
                JsonValueKind.Object => extra.GetRawText(),
                JsonValueKind.Null => null,
                _ => throw ServiceException.Invalid("additional_input", $"must be an object or null, not {Describe(extra.ValueKind)}"),
            };
        }

        return (input, additionalInput);
    }

    /// <summary>Reads <c>current_page</c> (default 1, at least 1) and <c>page_size</c> (default 10, 1 to 100).</summary>
    public static PageRequest ParsePaging(IQueryCollection query)
    {
        var page = ParseInt(query, "current_page", 1, 1, int.MaxValue);
        var size = ParseInt(query, "page_size", DefaultPageSize, 1, MaxPageSize);
        return new PageRequest(page, size);
    }

    private static int ParseInt(IQueryCollection query, string name, int defaultValue, int min, int max)
    {
        if (!query.TryGetValue(name, out var values) || values.Count == 0)
        {
            return defaultValue;
        }

        if (values.Count > 1)
        {
            throw ServiceException.Invalid(name, "must be given once");
        }

        var text = values[0];
        var range = max == int.MaxValue ? $"an integer of at least {min}" : $"an integer from {min} to {max}";
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw ServiceException.Invalid(name, $"must be {range}, not '{Truncate(text)}'");
        }

        if (value < min || value > max)
        {
            throw ServiceException.Invalid(name, value > max ? $"must be an integer from {min} to {max}, not {value}" : $"must be {range}, not {value}");
        }

        return (int)value;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string Truncate(string? text) => text is null ? "" : text.Length <= 40 ? text : text[..40] + "...";
}
