using AgentService.Server.Hosting;

await using var app = AgentServiceApp.Create(args);
await app.RunAsync();
