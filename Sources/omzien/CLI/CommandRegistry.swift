/// Every command of the CLI, in the order `--help` lists them.
enum CommandRegistry {
    static var all: [any Command.Type] { [
        DemoCommand.self,
        ServeCommand.self,
        AdminRegionAddCommand.self,
        AdminStoreAddCommand.self,
        AdminStoreMoveCommand.self,
        AdminEnrollCommand.self,
        AdminListCommand.self,
        AdminRevokeCommand.self,
        AdminPartnerAddCommand.self,
        AdminReportCommand.self,
        AuditVerifyCommand.self,
        PartnerPullCommand.self,
        PartnerShowCommand.self,
        PartnerUpdateCommand.self,
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
