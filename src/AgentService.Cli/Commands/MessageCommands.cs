using System.CommandLine;
using AgentService.Protocol.Json;

namespace AgentService.Cli.Commands;

/// <summary><c>agentsvc messages get ID</c>: a gateway message and its delivery state.</summary>
internal static class MessageCommands
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var messages = new Command("messages", "Inspect gateway messages.");

        var id = CommonOptions.Id("ID", "The message id.");
        var get = new Command("get", "Show a message: status, attempts, last error, content.") { id };
        get.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var message = await context.Gateway().GetMessageAsync(parseResult.GetValue(id)!, cancellationToken);
            if (context.Json)
            {
                Render.Json(context, message, ProtocolJsonContext.Wire.GatewayMessage);
            }
            else
            {
                Render.Message(context, message);
            }
        }));

        messages.Subcommands.Add(get);
        return messages;
    }
}
