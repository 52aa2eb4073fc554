using Governance.Web.CommandLine;

// One binary: `serve` (or no command) runs the web host; other commands are the console's command line.
return await GovernanceCommandLine.RunAsync(args);

public partial class Program;
