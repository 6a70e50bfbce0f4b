using System.Text.Json;
using AgentService.Protocol.Gateway;
using AgentService.Protocol.Json;

namespace AgentService.Protocol.Tests;

public sealed class GatewaySerializationTests
{
    [Fact]
    public void GatewayMessage_WritesRfc3339UtcTimesAndExplicitNulls()
    {
        var message = new GatewayMessage
        {
            MessageId = "msg_1",
            ConversationId = "conv_1",
            FromAgentId = "a",
            ToAgentId = "b",
            Content = [ContentPart.FromText("hi")],
            Metadata = new RawJson("{}"),
            Delivery = DeliveryModes.Queued,
            Status = MessageStatus.Queued,
            Attempts = 0,
            CreatedAt = new DateTimeOffset(2026, 3, 5, 13, 0, 0, 250, TimeSpan.FromHours(1)),
            ExpiresAt = new DateTimeOffset(2026, 3, 6, 12, 0, 0, TimeSpan.Zero),
        };

        var json = JsonSerializer.Serialize(message, ProtocolJsonContext.Wire.GatewayMessage);

        Assert.Equal(
            """{"message_id":"msg_1","conversation_id":"conv_1","from_agent_id":"a","to_agent_id":"b","content":[{"type":"text","text":"hi"}],"metadata":{},"delivery":"queued","status":"queued","attempts":0,"last_error":null,"created_at":"2026-03-05T12:00:00Z","delivered_at":null,"next_attempt_at":null,"expires_at":"2026-03-06T12:00:00Z"}""",
            json);
        var back = JsonSerializer.Deserialize(json, ProtocolJsonContext.Wire.GatewayMessage)!;
        Assert.Equal(new DateTimeOffset(2026, 3, 5, 12, 0, 0, TimeSpan.Zero), back.CreatedAt);
        Assert.Null(back.DeliveredAt);
    }

    [Fact]
    public void WebhookPush_ReadsTheReferenceExample()
    {
        var push = JsonSerializer.Deserialize("""
            {"message_id":"msg-xyz-789","conversation_id":"conv-abc-123","from_agent_id":"sender-001",
             "content":[{"type":"text","text":"Hello"}],"metadata":{},"timestamp":"2026-03-05T12:00:00Z"}
            """, ProtocolJsonContext.Wire.WebhookPush)!;

        Assert.Equal("Hello", Assert.Single(push.Content).Text);
        Assert.Equal(new DateTimeOffset(2026, 3, 5, 12, 0, 0, TimeSpan.Zero), push.Timestamp);
    }
}
