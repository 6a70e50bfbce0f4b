using System.Text.Json;

namespace AgentService.Runtime.Tests.Infrastructure;

/// <summary>The structure of a JSON value with values normalised away: member names and value kinds, arrays by the
/// set of their item shapes. Two frames with the same shape differ only in ids, times and other values.</summary>
public static class JsonShape
{
    public static string Of(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "{" + string.Join(",", element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => p.Name + ":" + Of(p.Value))) + "}",
        JsonValueKind.Array => "[" + string.Join("|", element.EnumerateArray().Select(Of).Distinct().Order(StringComparer.Ordinal)) + "]",
        JsonValueKind.String => "s",
        JsonValueKind.Number => "n",
        JsonValueKind.True or JsonValueKind.False => "b",
        _ => "null",
    };

    public static JsonElement LoadSchema(string relativePath)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AgentService.Tests.Common.RepoPaths.Spec("v1", "schemas"), relativePath)));
        return document.RootElement.Clone();
    }

    public static JsonElement Load(string exampleFile)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(AgentService.Tests.Common.RepoPaths.Spec("examples", "valid", exampleFile)));
        return document.RootElement.Clone();
    }
}
