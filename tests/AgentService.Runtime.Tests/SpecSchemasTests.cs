using System.Text.Json;
using AgentService.Runtime.Tests.Infrastructure;
using AgentService.Tests.Common;

namespace AgentService.Runtime.Tests;

/// <summary>The fake service's frame checker must accept the spec's valid examples and reject its invalid ones, or
/// the frame checks in the other tests prove nothing.</summary>
public sealed class SpecSchemasTests
{
    public static TheoryData<string> Valid => Files("valid");

    public static TheoryData<string> Invalid => Files("invalid");

    [Theory]
    [MemberData(nameof(Valid))]
    public void ValidExample_PassesTheChecker(string file)
    {
        var errors = SpecSchemas.Validate(Load("valid", file), Target(file));
        Assert.True(errors.Count == 0, string.Join("; ", errors));
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void InvalidExample_FailsTheChecker(string file) =>
        Assert.NotEmpty(SpecSchemas.Validate(Load("invalid", file), Target(file)));

    private static TheoryData<string> Files(string folder)
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(RepoPaths.Spec("examples", folder), "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal))
        {
            data.Add(file!);
        }

        return data;
    }

    private static JsonElement Load(string folder, string file)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(RepoPaths.Spec("examples", folder, file)));
        return document.RootElement.Clone();
    }

    /// <summary>The schema a file is checked against, from its name (as spec/validate.py does).</summary>
    private static string Target(string file)
    {
        var stem = Path.GetFileNameWithoutExtension(file);
        var kind = stem.Split('-')[0];
        var rest = stem[(kind.Length + 1)..];
        var name = rest.Split("--")[0];
        if (char.IsDigit(name[0]))
        {
            name = name[(name.IndexOf('-', StringComparison.Ordinal) + 1)..];
        }

        return kind switch
        {
            "output" => "events/output-event.json",
            "input" => "events/input-event.json",
            _ when name is "any" or "error" || name.Length == 0 => "wire/frame.json",
            _ => "wire/frame.json#/$defs/" + name,
        };
    }
}
