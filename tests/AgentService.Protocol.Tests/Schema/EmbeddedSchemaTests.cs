using System.Text.Json;
using AgentService.Protocol.Schema;
using AgentService.Tests.Common;

namespace AgentService.Protocol.Tests.Schema;

/// <summary>The schema files embedded in AgentService.Protocol are spec/v1/schemas, and all of them compile.</summary>
public sealed class EmbeddedSchemaTests
{
    [Fact]
    public void Embedded_AreExactlyTheSpecFiles()
    {
        var directory = RepoPaths.Spec("v1", "schemas");
        var expected = Directory.EnumerateFiles(directory, "*.json", SearchOption.AllDirectories)
            .Select(f => RuntimeProtocolSchemas.BaseUri + Path.GetRelativePath(directory, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);

        Assert.Equal(expected, JsonSchemaSet.LoadEmbedded().DocumentIds.Order(StringComparer.Ordinal));
        Assert.Equal(JsonSchemaSet.FromDirectory(directory).DocumentIds, JsonSchemaSet.LoadEmbedded().DocumentIds);
    }

    [Fact]
    public void EveryDocumentAndDefinition_Compiles()
    {
        // Compiling each $defs entry resolves every $ref in the set and checks every pattern.
        var set = JsonSchemaSet.LoadEmbedded();
        var compiled = 0;
        foreach (var file in Directory.EnumerateFiles(RepoPaths.Spec("v1", "schemas"), "*.json", SearchOption.AllDirectories))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            var id = document.RootElement.GetProperty("$id").GetString()!;
            Assert.NotNull(set.GetSchema(id));
            compiled++;
            foreach (var definition in document.RootElement.GetProperty("$defs").EnumerateObject())
            {
                Assert.NotNull(set.GetSchema(id + "#/$defs/" + definition.Name));
                compiled++;
            }
        }

        Assert.True(compiled > 100, $"only {compiled} schemas");
    }

    [Fact]
    public void Channels_AreTheChannelDefinitionsOfFrameJson()
    {
        using var frame = JsonDocument.Parse(File.ReadAllText(RepoPaths.Spec("v1", "schemas", "wire", "frame.json")));
        var channelDefinitions = frame.RootElement.GetProperty("$defs").EnumerateObject()
            .Select(d => d.Name)
            .Where(n => n.Contains('.', StringComparison.Ordinal) && !n.Any(char.IsUpper));

        Assert.Equal(channelDefinitions.Order(StringComparer.Ordinal), RuntimeProtocolSchemas.Channels.Order(StringComparer.Ordinal));
        Assert.All(RuntimeProtocolSchemas.Channels, c => Assert.NotNull(RuntimeProtocolSchemas.Set.GetSchema(RuntimeProtocolSchemas.ForChannel(c))));
    }

    [Theory]
    [InlineData("runtime.connection.nope.command")]
    [InlineData("RequestFrame")]
    [InlineData("RequestFrame/properties/params")] // a method name must not become a pointer into frame.json
    [InlineData("")]
    public void ForChannel_RefusesAnythingButAChannel(string name)
    {
        Assert.Throws<ArgumentException>(() => RuntimeProtocolSchemas.ForChannel(name));
        Assert.False(RuntimeProtocolSchemas.TryGetChannelUri(name, out _));
    }

    [Fact]
    public void Set_IsSharedAndLoadEmbeddedIsNot()
    {
        Assert.Same(RuntimeProtocolSchemas.Set, RuntimeProtocolSchemas.Set);
        Assert.NotSame(JsonSchemaSet.LoadEmbedded(), JsonSchemaSet.LoadEmbedded());
    }
}
