using System.CommandLine;
using AgentService.Protocol.Gateway;
using AgentService.Protocol.Json;

namespace AgentService.Cli.Commands;

/// <summary><c>agentsvc send FROM TO TEXT [--queued]</c>: sends a text message through the gateway.</summary>
internal static class SendMessageCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var from = new Argument<string>("FROM") { Description = "The sending agent's id." };
        var to = new Argument<string>("TO") { Description = "The receiving agent's id." };
        var text = new Argument<string>("TEXT") { Description = "The message text." };
        var queued = new Option<bool>("--queued") { Description = "Store and forward: answer at once and push with retries (also to an agent that is offline now)." };
        var conversation = new Option<string?>("--conversation") { Description = "The conversation id (default: a new conversation)." };
        var metadata = new Option<string?>("--metadata") { Description = "A JSON object sent as the message's metadata." };
        var send = new Command("send", "Send a text message from one agent to another through the gateway.") { from, to, text, queued, conversation, metadata };
        send.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var extra = TaskCommands.ParseObject(parseResult.GetValue(metadata), "--metadata");
            var request = new SendMessageRequest
            {
                FromAgentId = parseResult.GetValue(from)!,
                ToAgentId = parseResult.GetValue(to)!,
                ConversationId = parseResult.GetValue(conversation),
                Content = [ContentPart.FromText(parseResult.GetValue(text)!)],
                Metadata = extra is { } value ? RawJson.From(value) : null,
                Delivery = parseResult.GetValue(queued) ? DeliveryModes.Queued : null,
            };
            var result = await context.Gateway().SendAsync(request, cancellationToken);
            if (context.Json)
            {
                Render.Json(context, result, ProtocolJsonContext.Wire.SendMessageResponse);
            }
            else
            {
                Render.Sent(context, result);
            }
        }));
        return send;
    }
}
