/// Every command of the CLI, in the order `--help` lists them.
enum CommandRegistry {
    static var all: [any Command.Type] { [
        DemoCommand.self,
        DeviceEnrollCommand.self,
        DeviceRecordSignalCommand.self,
        DeviceUpdateSignalCommand.self,
        DeviceFeedbackCommand.self,
        DeviceChatCommand.self,
        DeviceListCommand.self,
        DeviceShowCommand.self,
        DeviceConflictsCommand.self,
        DeviceSyncCommand.self,
        DeviceStatusCommand.self,
    ] }
}
