using System.Text;
using AgentService.Runtime.Providers;

namespace AgentService.Runtime.Tests.Providers;

public sealed class ServerSentEventReaderTests
{
    private static async Task<List<ServerSentEvent>> ReadAsync(string text)
    {
        var events = new List<ServerSentEvent>();
        await foreach (var e in ServerSentEventReader.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(text))))
        {
            events.Add(e);
        }

        return events;
    }

    [Fact]
    public async Task Read_FollowsTheEventStreamRules()
    {
        var events = await ReadAsync(
            ": a comment\r\nevent: first\r\ndata: {\"a\":\r\ndata:1}\r\nid: 7\r\nretry: 100\r\n\r\n"
            + "event: only-a-name\n\n"
            + "data:  two spaces\rfield-without-colon\r\r"
            + "event: cut\ndata: never dispatched");

        Assert.Equal(
            [new ServerSentEvent("first", "{\"a\":\n1}", "7"), new ServerSentEvent(null, " two spaces", "7")],
            events);
    }

    [Fact]
    public async Task Read_AllRecordings_GivesOneJsonEventPerBlock()
    {
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(RecordedStreams.PathOf("x"))!, "*.sse"))
        {
            var text = await File.ReadAllTextAsync(file);
            var events = await ReadAsync(text);

            Assert.Equal(text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Count(b => b.Trim().Length > 0), events.Count);
            Assert.All(events, e => Assert.Equal(e.EventName, System.Text.Json.JsonDocument.Parse(e.Data).RootElement.GetProperty("type").GetString()));
        }
    }
}
