public enum OmzienStorePending {}
