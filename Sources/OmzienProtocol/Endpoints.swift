/// Every endpoint of the sync server's API (Protocol/SYNC.md, PARTNERS.md, PRIVACY.md): the
/// one place a path is written. The routes register these, the client calls them, replay
/// recognises them, and `AuthorizationMatrixTests` has a row for each; `EndpointCatalogueTests`
/// holds them to `Protocol/openapi.json` (the same paths and methods, success statuses,
/// message schemas and security schemes, both ways).
///
/// Not here: the web pages under `/web` (PARTNERS.md section 11), which take a session cookie
/// and answer HTML; `WebRoutes` registers them and the matrix lists them by pattern.
public enum Endpoints {
    // MARK: Devices (SYNC.md)

    public static let enroll = Endpoint<EnrollRequest, EnrollResponse>(.post, "/v1/enroll", success: 201, callers: [.anyone])
    public static let info = Endpoint<NoBody, InfoResponse>(.get, "/v1/info", callers: [.anyone])
    public static let push = Endpoint<PushRequest, PushResponse>(.post, "/v1/sync/push", callers: [.device])
    /// Query: `cursor`, `limit`.
    public static let pull = Endpoint<NoBody, PullResponse>(.get, "/v1/sync/pull", callers: [.device])
    public static let snapshot = Endpoint<NoBody, SnapshotResponse>(.get, "/v1/sync/snapshot", callers: [.device])
    public static let status = Endpoint<NoBody, StatusResponse>(.get, "/v1/sync/status", callers: [.device])

    // MARK: Administration

    public static let createRegion = Endpoint<CreateRegionRequest, RegionInfo>(.post, "/v1/admin/regions", success: 201, callers: [.admin])
    public static let listRegions = Endpoint<NoBody, [RegionInfo]>(.get, "/v1/admin/regions", callers: [.admin])
    public static let createStore = Endpoint<CreateStoreRequest, StoreInfo>(.post, "/v1/admin/stores", success: 201, callers: [.admin])
    public static let listStores = Endpoint<NoBody, [StoreInfo]>(.get, "/v1/admin/stores", callers: [.admin])
    public static let moveStore = Endpoint<MoveStoreRequest, MoveStoreResponse>(.post, "/v1/admin/stores/:id/move", callers: [.admin])
    public static let createEnrollment = Endpoint<CreateEnrollmentRequest, EnrollmentCodeResponse>(
        .post, "/v1/admin/enrollments", success: 201, callers: [.admin])
    public static let listDevices = Endpoint<NoBody, [DeviceInfo]>(.get, "/v1/admin/devices", callers: [.admin])
    /// The body may be left out (`wipe` defaults to true).
    public static let revokeDevice = Endpoint<RevokeDeviceRequest, DeviceInfo>(.post, "/v1/admin/devices/:replica/revoke", callers: [.admin])
    /// PRIVACY.md R-PRIV-13.
    public static let erase = Endpoint<ErasureRequest, ErasureResponse>(.post, "/v1/admin/erasures", callers: [.admin])
    public static let listQuarantine = Endpoint<NoBody, [QuarantineEntry]>(.get, "/v1/admin/quarantine", callers: [.admin])
    public static let releaseQuarantine = Endpoint<NoBody, QuarantineReleaseResponse>(
        .post, "/v1/admin/quarantine/:replica/release", callers: [.admin])
    public static let backup = Endpoint<NoBody, BackupResponse>(.post, "/v1/admin/backups", success: 201, callers: [.admin])
    /// The body may be left out.
    public static let issueHeadOfficeToken = Endpoint<HeadOfficeTokenRequest, HeadOfficeTokenResponse>(
        .post, "/v1/admin/headoffice-tokens", success: 201, callers: [.admin])
    public static let listHeadOfficeTokens = Endpoint<NoBody, [HeadOfficeTokenInfo]>(.get, "/v1/admin/headoffice-tokens", callers: [.admin])
    public static let revokeHeadOfficeToken = Endpoint<NoBody, HeadOfficeTokenInfo>(
        .post, "/v1/admin/headoffice-tokens/:id/revoke", callers: [.admin])
    /// The body may be left out.
    public static let rotateAdminToken = Endpoint<AdminTokenRequest, AdminTokenResponse>(
        .post, "/v1/admin/admin-tokens", success: 201, callers: [.admin])
    public static let createPartner = Endpoint<CreatePartnerRequest, PartnerCreated>(.post, "/v1/admin/partners", success: 201, callers: [.admin])
    public static let listPartners = Endpoint<NoBody, [PartnerInfo]>(.get, "/v1/admin/partners", callers: [.admin])
    public static let rotatePartnerToken = Endpoint<PartnerTokenRequest, PartnerCreated>(
        .post, "/v1/admin/partners/:id/tokens", success: 201, callers: [.admin])

    // MARK: Partners (PARTNERS.md)

    /// Query: `cursor`, `limit`.
    public static let referrals = Endpoint<NoBody, ReferralPage>(.get, "/v1/partner/referrals", callers: [.partner, .person])
    public static let referral = Endpoint<NoBody, ReferralView>(.get, "/v1/partner/referrals/:id", callers: [.partner, .person])
    public static let updateReferral = Endpoint<ReferralUpdateRequest, ReferralView>(
        .post, "/v1/partner/referrals/:id/status", callers: [.partner, .person])
    public static let addCaseNote = Endpoint<CaseNoteRequest, CaseNote>(
        .post, "/v1/partner/referrals/:id/notes", success: 201, callers: [.partner, .person])
    public static let caseNotes = Endpoint<NoBody, CaseNoteList>(.get, "/v1/partner/referrals/:id/notes", callers: [.partner, .person])

    // MARK: Reports (PARTNERS.md R-PART-30, R-WEB-30)

    /// Query: `by`, `threshold`.
    public static let responseTimes = Endpoint<NoBody, ResponseTimeReport>(
        .get, "/v1/reports/response-times", callers: [.headOffice, .admin, .person])
    /// Query: `by`, `threshold`, `format` (json, csv, svg, html), `dialect`. The answer is
    /// `DashboardReport` as JSON; the other formats are its table or chart.
    public static let dashboard = Endpoint<NoBody, DashboardReport>(
        .get, "/v1/reports/dashboard/:figure", callers: [.headOffice, .admin, .person])

    // MARK: Person accounts (PARTNERS.md section 10, R-WEB-2..4)

    public static let createAccount = Endpoint<CreateAccountRequest, AccountCreated>(.post, "/v1/accounts", success: 201, callers: [.admin, .person])
    public static let listAccounts = Endpoint<NoBody, [AccountInfo]>(.get, "/v1/accounts", callers: [.admin, .person])
    public static let disableAccount = Endpoint<NoBody, AccountInfo>(.post, "/v1/accounts/:name/disable", callers: [.admin, .person])
    public static let enableAccount = Endpoint<NoBody, AccountInfo>(.post, "/v1/accounts/:name/enable", callers: [.admin, .person])
    public static let personalToken = Endpoint<PersonalTokenRequest, PersonalTokenResponse>(
        .post, "/v1/accounts/token", success: 201, callers: [.anyone])
    /// A person changes its own password with the old one (R-WEB-5): no token, the old
    /// password is the credential.
    public static let changePassword = Endpoint<PasswordChangeRequest, AccountInfo>(.post, "/v1/accounts/password", callers: [.anyone])
    /// The admin, or a coordinator for its own workers, sets a new password (shown once).
    public static let resetPassword = Endpoint<NoBody, AccountCreated>(.post, "/v1/accounts/:name/password", callers: [.admin, .person])
    /// A person's own personal tokens (R-WEB-6), never their secrets.
    public static let personalTokens = Endpoint<NoBody, [PersonalTokenInfo]>(.get, "/v1/accounts/tokens", callers: [.person])
    public static let revokePersonalToken = Endpoint<NoBody, PersonalTokenInfo>(.post, "/v1/accounts/tokens/:id/revoke", callers: [.person])

    // MARK: Operations (answered by the HTTP server itself, before any route)

    public static let health = Endpoint<NoBody, HealthResponse>(.get, "/healthz", callers: [.anyone])
    /// Prometheus text, not JSON.
    public static let metrics = Endpoint<NoBody, NoBody>(.get, "/metrics", callers: [.anyone])

    /// Every endpoint above.
    public static let all: [AnyEndpoint] = [
        enroll.erased, info.erased, push.erased, pull.erased, snapshot.erased, status.erased,
        createRegion.erased, listRegions.erased, createStore.erased, listStores.erased, moveStore.erased, createEnrollment.erased,
        listDevices.erased, revokeDevice.erased, erase.erased, listQuarantine.erased, releaseQuarantine.erased, backup.erased,
        issueHeadOfficeToken.erased, listHeadOfficeTokens.erased, revokeHeadOfficeToken.erased, rotateAdminToken.erased,
        createPartner.erased, listPartners.erased, rotatePartnerToken.erased,
        referrals.erased, referral.erased, updateReferral.erased, addCaseNote.erased, caseNotes.erased,
        responseTimes.erased, dashboard.erased,
        createAccount.erased, listAccounts.erased, disableAccount.erased, enableAccount.erased, personalToken.erased,
        changePassword.erased, resetPassword.erased, personalTokens.erased, revokePersonalToken.erased,
        health.erased, metrics.erased,
    ]

    /// The endpoint a request for `method` and `path` (without query) is for, if any; of
    /// several, the one with the most literal segments, as the router chooses.
    public static func endpoint(method: String, path: String) -> AnyEndpoint? {
        all.filter { $0.matches(method: method, path: path) }.max { $0.parameters.count > $1.parameters.count }
    }
}
